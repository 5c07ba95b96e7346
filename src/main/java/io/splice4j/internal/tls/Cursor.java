package io.splice4j.internal.tls;

import io.splice4j.TlsClientHelloException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of one region of a ClientHello in order: TLS nests length-prefixed regions, and
 * each must hold exactly what its prefix says. A field that runs past the region's end fails as
 * {@code truncated <region>: ...}, anything else wrong as {@code malformed <region>: ...}.
 */
final class Cursor {

    private final byte[] bytes;
    private final int end;
    /** The region, for messages: {@code ClientHello}, {@code ALPN extension}. */
    private final String name;
    private int at;

    /** Creates a cursor over {@code bytes[from, end)}. */
    Cursor(byte[] bytes, int from, int end, String name) {
        this.bytes = bytes;
        this.at = from;
        this.end = end;
        this.name = name;
    }

    boolean hasRemaining() {
        return at < end;
    }

    int u8(String field) throws TlsClientHelloException {
        return bytes[take(1, field)] & 0xFF;
    }

    int u16(String field) throws TlsClientHelloException {
        int from = take(2, field);
        return ((bytes[from] & 0xFF) << 8) | (bytes[from + 1] & 0xFF);
    }

    /** Passes over the next {@code length} bytes. */
    void skip(int length, String field) throws TlsClientHelloException {
        take(length, field);
    }

    /** Takes the next {@code length} bytes as a region of their own. */
    Cursor region(int length, String field, String regionName) throws TlsClientHelloException {
        int from = take(length, field);
        return new Cursor(bytes, from, from + length, regionName);
    }

    /**
     * Reads a {@code u16} length and that many bytes, which must be all that is left here.
     *
     * @param field the list's name
     * @param minimum the fewest bytes it may have
     */
    Cursor lastList16(String field, int minimum) throws TlsClientHelloException {
        int length = u16(field + " length");
        Cursor list = region(length, field, name);
        if (length < minimum) {
            throw fail(field + " length " + length + " is less than " + minimum);
        }
        expectEnd(field);
        return list;
    }

    /** Fails unless the region ends here. */
    void expectEnd(String last) throws TlsClientHelloException {
        if (hasRemaining()) {
            throw fail((end - at == 1 ? "1 byte follows " : (end - at) + " bytes follow ") + last);
        }
    }

    /** Takes {@code length} bytes as characters 0 to 255. */
    String latin1(int length, String field) throws TlsClientHelloException {
        return new String(bytes, take(length, field), length, StandardCharsets.ISO_8859_1);
    }

    /** An exception for this region: {@code malformed <region>: <detail>}. */
    TlsClientHelloException fail(String detail) {
        return new TlsClientHelloException("malformed " + name + ": " + detail);
    }

    private int take(int length, String field) throws TlsClientHelloException {
        if (length > end - at) {
            throw new TlsClientHelloException("truncated " + name + ": " + field + " needs " + length + " bytes, "
                    + (end - at) + (end - at == 1 ? " is" : " are") + " left");
        }
        int from = at;
        at += length;
        return from;
    }
}
