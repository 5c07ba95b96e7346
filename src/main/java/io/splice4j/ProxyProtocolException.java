package io.splice4j;

import java.io.IOException;

/**
 * A peer sent bytes that are not a valid PROXY protocol header, or no complete header in time.
 *
 * <p>The message says what is wrong, for example {@code bad signature: ...},
 * {@code v1 header without CRLF within 107 bytes} or {@code v2 length 8000 exceeds the limit 4080}.
 * Bytes from the peer appear in it escaped ({@code \x0d}), so it is safe to log.
 */
public class ProxyProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what is wrong with the header
     */
    public ProxyProtocolException(String message) {
        super(message);
    }

    /**
     * Creates an exception with the failure that revealed it.
     *
     * @param message what is wrong with the header
     * @param cause the underlying failure, such as a read timeout
     */
    public ProxyProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
