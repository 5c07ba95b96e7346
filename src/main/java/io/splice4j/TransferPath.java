package io.splice4j;

/** The path a transfer actually took. */
public enum TransferPath {
    /**
     * In the kernel, with {@code splice(2)} through a pipe (or {@code sendfile(2)} from a file to a
     * socket): no byte entered user space.
     */
    ZERO_COPY,
    /** Through one reused user-space buffer with the JDK's channel reads and writes. */
    PORTABLE
}
