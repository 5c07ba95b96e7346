package io.splice4j.internal.tls;

import io.splice4j.TlsClientHello;
import io.splice4j.TlsClientHelloException;
import java.util.Optional;

/**
 * The ClientHello message's body (RFC 8446, 4.1.2; RFC 5246, 7.4.1.2), decoded once all of it is
 * in: {@code legacy_version}, {@code random}, {@code legacy_session_id}, {@code cipher_suites},
 * {@code legacy_compression_methods} and, unless the body ends there as TLS 1.2 allows, the
 * extensions, which must end where the body does.
 */
final class HelloBody {

    /** The shortest body: version 2, random 32, an empty session id 1, one cipher suite 2 + 2, one compression method 1 + 1. */
    static final int MIN_LENGTH = 41;

    private static final int RANDOM = 32;
    private static final int MAX_SESSION_ID = 32;

    private HelloBody() {
    }

    /**
     * Decodes a body.
     *
     * @param body the bytes, from index 0
     * @param length the body's length, from the handshake header
     * @param consumed the bytes of the records that carried it
     * @return the hello
     * @throws TlsClientHelloException if a field doesn't fit or is malformed
     */
    static TlsClientHello decode(byte[] body, int length, int consumed) throws TlsClientHelloException {
        Cursor hello = new Cursor(body, 0, length, "ClientHello");
        int version = hello.u16("legacy_version");
        if (version >> 8 != 3) {
            throw hello.fail(String.format("legacy_version 0x%04x is not 0x03xx", version));
        }
        hello.skip(RANDOM, "random");
        int sessionId = hello.u8("legacy_session_id length");
        if (sessionId > MAX_SESSION_ID) {
            throw hello.fail("legacy_session_id length " + sessionId + " is more than " + MAX_SESSION_ID);
        }
        hello.skip(sessionId, "legacy_session_id");
        int suites = hello.u16("cipher_suites length");
        if (suites == 0 || suites % 2 != 0) {
            throw hello.fail("cipher_suites length " + suites + " is not a positive even number");
        }
        hello.skip(suites, "cipher_suites");
        int compressionMethods = hello.u8("legacy_compression_methods length");
        if (compressionMethods == 0) {
            throw hello.fail("legacy_compression_methods is empty");
        }
        hello.skip(compressionMethods, "legacy_compression_methods");
        Extensions extensions = hello.hasRemaining() ? Extensions.read(hello.lastList16("extensions", 0))
                : Extensions.none();
        return new TlsClientHello(Optional.ofNullable(extensions.serverName), extensions.alpn, version,
                extensions.supportedVersions, consumed);
    }
}
