package io.splice4j.internal;

import java.nio.charset.StandardCharsets;

/** Peer bytes made safe for an exception message: printable ASCII kept, the rest as {@code \xNN}. */
public final class Printable {

    private Printable() {
    }

    /**
     * Escapes bytes.
     *
     * @param bytes the bytes
     * @param from the first to escape
     * @param to the end, exclusive
     * @return the bytes that are printable ASCII, but for backslash and double quote, as they are; every other
     *     byte as {@code \xNN}
     */
    public static String escape(byte[] bytes, int from, int to) {
        StringBuilder text = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xFF;
            if (b >= 0x20 && b < 0x7F && b != '\\' && b != '"') {
                text.append((char) b);
            } else {
                text.append(String.format("\\x%02x", b));
            }
        }
        return text.toString();
    }

    /**
     * Escapes a string of byte values.
     *
     * @param latin1 characters 0 to 255, one per byte
     * @return as {@link #escape(byte[], int, int)}
     */
    public static String escape(String latin1) {
        byte[] bytes = latin1.getBytes(StandardCharsets.ISO_8859_1);
        return escape(bytes, 0, bytes.length);
    }
}
