package io.splice4j;

import java.io.IOException;
import java.util.Objects;

/**
 * {@link SpliceMode#ZERO_COPY} was asked for, but this transfer can't splice. Nothing was read from
 * the source.
 */
public class ZeroCopyUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why zero-copy can't be used. */
    private final FallbackReason reason;

    /**
     * Creates the exception.
     *
     * @param reason why zero-copy can't be used
     * @param message what to do about it
     */
    public ZeroCopyUnavailableException(FallbackReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Returns why zero-copy can't be used.
     *
     * @return the reason
     */
    public FallbackReason reason() {
        return reason;
    }
}
