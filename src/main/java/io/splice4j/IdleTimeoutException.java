package io.splice4j;

import java.nio.channels.InterruptedByTimeoutException;
import java.time.Duration;

/**
 * A transfer moved no byte for its {@linkplain SpliceOptions#idleTimeout() idle timeout} and was
 * ended; it says how many bytes were delivered before. The channels are left open, but their
 * state is unspecified (a portable transfer shuts down the source's input and, for a socket
 * target, its output to wake a blocked call): close them.
 */
public final class IdleTimeoutException extends InterruptedByTimeoutException {

    private static final long serialVersionUID = 1L;

    /** The bytes delivered to the target before the transfer ended. */
    private final long bytesDelivered;
    private final transient Duration timeout;

    /**
     * Creates the exception.
     *
     * @param timeout the idle timeout that passed
     * @param bytesDelivered bytes delivered to the target before it ended
     */
    public IdleTimeoutException(Duration timeout, long bytesDelivered) {
        this.timeout = timeout;
        this.bytesDelivered = bytesDelivered;
    }

    /**
     * Returns the bytes delivered to the target before the transfer ended.
     *
     * @return the honest count
     */
    public long bytesDelivered() {
        return bytesDelivered;
    }

    @Override
    public String getMessage() {
        return "no byte moved for " + timeout + "; " + bytesDelivered + " bytes delivered";
    }
}
