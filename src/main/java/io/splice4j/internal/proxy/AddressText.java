package io.splice4j.internal.proxy;

/**
 * The version 1 header's address and port literals: recognising them (whole, or as the start of
 * one still arriving), decoding and writing them.
 *
 * <p>The spec's rules, strictly: IPv4 is exactly four decimal numbers 0-255 without leading
 * zeros; IPv6 is colon-separated groups of one to four hex digits, 128 bits in all, with at most
 * one {@code ::} (no dotted-quad tail, no zone); a port is 0-65535 in decimal without leading
 * zeros.
 */
final class AddressText {

    private AddressText() {
    }

    /**
     * Says whether {@code text} is an IPv4 literal or, when {@code complete} is false, could still
     * become one.
     */
    static boolean isIpv4(String text, boolean complete) {
        int parts = 1;
        int digits = 0;
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '.') {
                if (digits == 0 || parts == 4) {
                    return false;
                }
                parts++;
                digits = 0;
                value = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return false; // a leading zero, read as octal by some
                }
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return !complete || (parts == 4 && digits > 0);
    }

    /**
     * Says whether {@code text} is an IPv6 literal or, when {@code complete} is false, could still
     * become one.
     */
    static boolean isIpv6(String text, boolean complete) {
        int groups = 0; // groups begun so far
        int digits = 0; // digits in the current group
        int colons = 0; // colons just read in a row
        boolean compressed = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.digit(c, 16) >= 0 && c < 0x80) {
                if (colons == 1 && groups == 0) {
                    return false; // ":1" - a lone leading colon
                }
                if (digits == 0 && ++groups > (compressed ? 7 : 8)) {
                    return false;
                }
                if (++digits > 4) {
                    return false;
                }
                colons = 0;
            } else if (c == ':') {
                colons++;
                digits = 0;
                if (colons == 2) {
                    if (compressed || groups > 7) {
                        return false;
                    }
                    compressed = true;
                } else if (colons > 2) {
                    return false;
                } else if (groups > 0 && groups >= (compressed ? 7 : 8)) {
                    // A lone colon must open another group, or with 7 groups also "::"; neither fits.
                    return false;
                }
            } else {
                return false;
            }
        }
        if (!complete) {
            return true;
        }
        if (colons == 1 || (groups == 0 && !compressed)) {
            return false;
        }
        return compressed ? groups <= 7 : groups == 8;
    }

    /** Says whether {@code text} is a port or, when {@code complete} is false, could still become one. */
    static boolean isPort(String text, boolean complete) {
        if (text.isEmpty()) {
            return !complete;
        }
        if (text.length() > 5 || (text.length() > 1 && text.charAt(0) == '0')) {
            return false;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 0xFFFF;
    }

    /** Decodes a literal {@link #isIpv4} accepted as complete. */
    static byte[] ipv4Bytes(String text) {
        String[] parts = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return bytes;
    }

    /** Decodes a literal {@link #isIpv6} accepted as complete. */
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
