package io.splice4j;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * ClientHellos on the wire, built field by field so that tests can break one field at a time
 * ({@link io.splice4j.support.ClientHellos} has the JDK's own); and ways to cut a handshake message
 * into records of any sizes.
 */
final class TlsHelloBytes {

    static final int SERVER_NAME = 0;
    static final int ALPN = 16;
    static final int SUPPORTED_VERSIONS = 43;

    private TlsHelloBytes() {
    }

    /** The handshake message carried by {@code records}, their headers taken off. */
    static byte[] message(byte[] records) {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        for (int at = 0; at < records.length; ) {
            int length = u16(records, at + 3);
            message.write(records, at + 5, length);
            at += 5 + length;
        }
        return message.toByteArray();
    }

    /**
     * Cuts {@code message} into handshake records: the first ones of the given sizes, one more
     * with the rest if any is left.
     */
    static byte[] records(byte[] message, int... sizes) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        int at = 0;
        for (int i = 0; at < message.length; i++) {
            int size = i < sizes.length ? Math.min(sizes[i], message.length - at) : message.length - at;
            records.writeBytes(recordHeader(0x16, size));
            records.write(message, at, size);
            at += size;
        }
        return records.toByteArray();
    }

    /** A record header: type, version 3.1 as TLS 1.3 clients send, length. */
    static byte[] recordHeader(int type, int length) {
        return new byte[] {(byte) type, 0x03, 0x01, (byte) (length >> 8), (byte) length};
    }

    /** A handshake message of type ClientHello holding {@code body}. */
    static byte[] handshake(byte[] body) {
        return concat(new byte[] {0x01, (byte) (body.length >> 16), (byte) (body.length >> 8), (byte) body.length},
                body);
    }

    /** A ClientHello body with one cipher suite, the null compression method and these extensions. */
    static byte[] body(byte[]... extensions) {
        return body(0x0303, new byte[32], extensionBlock(extensions));
    }

    /** A ClientHello body with one cipher suite and the null compression method; {@code extensions} null for none. */
    static byte[] body(int version, byte[] sessionId, byte[] extensions) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {(byte) (version >> 8), (byte) version});
        body.writeBytes(new byte[32]);
        body.write(sessionId.length);
        body.writeBytes(sessionId);
        body.writeBytes(new byte[] {0x00, 0x02, 0x13, 0x01, 0x01, 0x00});
        if (extensions != null) {
            body.writeBytes(extensions);
        }
        return body.toByteArray();
    }

    /** The extensions with their 2-byte length. */
    static byte[] extensionBlock(byte[]... extensions) {
        return vector16(concat(extensions));
    }

    static byte[] extension(int type, byte[] data) {
        return concat(u16(type), vector16(data));
    }

    /** A server_name extension with one host_name. */
    static byte[] serverName(String hostName) {
        return extension(SERVER_NAME, vector16(concat(new byte[] {0}, vector16(ascii(hostName)))));
    }

    static byte[] alpn(String... protocols) {
        byte[][] names = new byte[protocols.length][];
        for (int i = 0; i < protocols.length; i++) {
            names[i] = concat(new byte[] {(byte) protocols[i].length()}, protocols[i].getBytes(StandardCharsets.ISO_8859_1));
        }
        return extension(ALPN, vector16(concat(names)));
    }

    static byte[] supportedVersions(int... versions) {
        byte[] list = new byte[1 + 2 * versions.length];
        list[0] = (byte) (2 * versions.length);
        for (int i = 0; i < versions.length; i++) {
            list[1 + 2 * i] = (byte) (versions[i] >> 8);
            list[2 + 2 * i] = (byte) versions[i];
        }
        return extension(SUPPORTED_VERSIONS, list);
    }

    /** {@code body} as a whole ClientHello in one record. */
    static byte[] wire(byte[] body) {
        return records(handshake(body));
    }

    static byte[] vector16(byte[] bytes) {
        return concat(u16(bytes.length), bytes);
    }

    static byte[] u16(int value) {
        return new byte[] {(byte) (value >> 8), (byte) value};
    }

    static int u16(byte[] bytes, int at) {
        return ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
    }

    /** Characters 0 to 255 as bytes, so that tests can put any byte in a name. */
    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }
}
