package io.splice4j.internal.proxy;

import java.nio.charset.StandardCharsets;

/** Peer bytes made safe for an exception message: printable ASCII kept, the rest as {@code \xNN}. */
final class Printable {

    private Printable() {
    }

    static String escape(byte[] bytes, int from, int to) {
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

    static String escape(String latin1) {
        byte[] bytes = latin1.getBytes(StandardCharsets.ISO_8859_1);
        return escape(bytes, 0, bytes.length);
    }
}
