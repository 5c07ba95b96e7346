package io.splice4j.internal.proxy;

/** The version 1 header's address literals: decoding ones {@link LiteralReader} accepted, and writing them. */
final class AddressText {

    private AddressText() {
    }

    /** Decodes an IPv4 literal {@link LiteralReader} accepted. */
    static byte[] ipv4Bytes(String text) {
        String[] parts = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return bytes;
    }

    /** Decodes an IPv6 literal {@link LiteralReader} accepted. */
    static byte[] ipv6Bytes(String text) {
        int gap = text.indexOf("::");
        String head = gap < 0 ? text : text.substring(0, gap);
        String tail = gap < 0 ? "" : text.substring(gap + 2);
        String[] front = head.isEmpty() ? new String[0] : head.split(":");
        String[] back = tail.isEmpty() ? new String[0] : tail.split(":");
        byte[] bytes = new byte[16];
        for (int i = 0; i < front.length; i++) {
            putGroup(bytes, i, front[i]);
        }
        for (int i = 0; i < back.length; i++) {
            putGroup(bytes, 8 - back.length + i, back[i]);
        }
        return bytes;
    }

    private static void putGroup(byte[] bytes, int group, String hex) {
        int value = Integer.parseInt(hex, 16);
        bytes[2 * group] = (byte) (value >> 8);
        bytes[2 * group + 1] = (byte) value;
    }

    /** Writes an IPv4 address in dotted decimal. */
    static String ipv4Text(byte[] bytes) {
        return (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." + (bytes[3] & 0xFF);
    }

    /**
     * Writes an IPv6 address in RFC 5952's shortest form: lower-case groups without leading zeros,
     * the longest run of two or more zero groups (the first of equals) as {@code ::}.
     */
    static String ipv6Text(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int length = 0;
            while (i + length < 8 && groups[i + length] == 0) {
                length++;
            }
            if (length > bestLength) {
                bestStart = i;
                bestLength = length;
            }
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
