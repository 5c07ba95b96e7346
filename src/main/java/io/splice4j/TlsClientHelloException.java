package io.splice4j;

import java.io.IOException;

/**
 * A peer sent bytes that are not a valid TLS ClientHello, or no complete one in time.
 *
 * <p>The message says what is wrong, for example
 * {@code not a TLS handshake record: the first byte is 0x47, not 0x16},
 * {@code the ClientHello needs at least 20013 bytes, more than the limit of 17408} or
 * {@code malformed server_name extension: host_name "a..b" is not a DNS name: it has an empty label}.
 * Bytes from the peer appear in it escaped ({@code \x0d}), so it is safe to log.
 */
public class TlsClientHelloException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what is wrong with the ClientHello
     */
    public TlsClientHelloException(String message) {
        super(message);
    }

    /**
     * Creates an exception with the failure that revealed it.
     *
     * @param message what is wrong with the ClientHello
     * @param cause the underlying failure, such as a read timeout
     */
    public TlsClientHelloException(String message, Throwable cause) {
        super(message, cause);
    }
}
