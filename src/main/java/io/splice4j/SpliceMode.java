package io.splice4j;

/** Which path a transfer may take. */
public enum SpliceMode {
    /** Zero-copy {@code splice(2)} where this JVM, thread and channel pair allow it, else the portable copy. */
    AUTO,
    /** Zero-copy only: a transfer that can't splice fails with {@link ZeroCopyUnavailableException}. */
    ZERO_COPY,
    /** Never splice: always the portable buffer copy. */
    PORTABLE
}
