package io.splice4j.tool;

import java.io.IOException;

/**
 * Every try of a client to connect upstream failed. The message names each server tried and why it
 * failed: {@code /10.0.0.1:80: java.net.ConnectException: Connection refused, nor to
 * /10.0.0.2:80: no answer within 10s}.
 */
final class UpstreamConnectException extends IOException {

    private static final long serialVersionUID = 1L;

    private final boolean timedOut;

    /** @param timedOut whether the last try ran out of the connect timeout */
    UpstreamConnectException(String tries, boolean timedOut) {
        super(tries);
        this.timedOut = timedOut;
    }

    /** Whether the last try ran out of the connect timeout. */
    boolean timedOut() {
        return timedOut;
    }
}
