package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;

/** The flag-free matcher can't find a channel's fd: the refusal names the flag that reads it directly. */
final class FdNotFound {

    private FdNotFound() {
    }

    /** Returns the refusal ({@link FallbackReason#NO_FD}), saying why and which flag to add. */
    static NotSpliceableException because(String why) {
        return new NotSpliceableException(FallbackReason.NO_FD, why + "; add --add-exports java.base/sun.nio.ch="
                + ZeroCopySupport.moduleFlagTarget() + " to the java command to read it directly");
    }
}
