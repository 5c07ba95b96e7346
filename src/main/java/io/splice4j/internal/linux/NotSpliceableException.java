package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;

/**
 * This transfer can't splice, found out before anything was read from the source, so the caller
 * may copy instead.
 */
public final class NotSpliceableException extends Exception {

    private static final long serialVersionUID = 1L;

    private final FallbackReason reason;

    NotSpliceableException(FallbackReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /**
     * Returns why.
     *
     * @return the reason
     */
    public FallbackReason reason() {
        return reason;
    }
}
