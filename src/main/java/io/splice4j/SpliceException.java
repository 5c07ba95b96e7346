package io.splice4j;

import java.io.IOException;

/**
 * A transfer failed in a system call or a channel operation.
 *
 * <p>The message names the operation and, for native calls, the errno, for example
 * {@code splice(fd 12 -> pipe): ECONNRESET, 65536 bytes delivered}. {@link #bytesDelivered()}
 * counts only bytes the target accepted; bytes that were read but still sat in a pipe or buffer
 * when the failure happened are lost and not counted.
 */
public class SpliceException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The failed call or channel operation. */
    private final String operation;
    /** The errno's symbolic name, or {@code null} for a JDK channel operation. */
    private final String errnoName;
    /** Bytes the target accepted before the failure. */
    private final long bytesDelivered;

    /**
     * Creates an exception for a failed native call.
     *
     * @param operation the call and its fds, such as {@code splice(fd 12 -> pipe)}
     * @param errnoName the errno's symbolic name, such as {@code ECONNRESET}
     * @param bytesDelivered bytes the target accepted before the failure
     */
    public SpliceException(String operation, String errnoName, long bytesDelivered) {
        super(operation + ": " + errnoName + ", " + bytesDelivered + " bytes delivered");
        this.operation = operation;
        this.errnoName = errnoName;
        this.bytesDelivered = bytesDelivered;
    }

    /**
     * Creates an exception for a failed channel operation on the portable path.
     *
     * @param operation the operation, such as {@code read(source)}
     * @param bytesDelivered bytes the target accepted before the failure
     * @param cause the JDK's exception
     */
    public SpliceException(String operation, long bytesDelivered, IOException cause) {
        super(operation + ": " + cause.getMessage() + ", " + bytesDelivered + " bytes delivered", cause);
        this.operation = operation;
        this.errnoName = null;
        this.bytesDelivered = bytesDelivered;
    }

    /**
     * Returns the failed operation.
     *
     * @return the operation, such as {@code splice(pipe -> fd 13)} or {@code write(target)}
     */
    public String operation() {
        return operation;
    }

    /**
     * Returns the errno's name when a native call failed.
     *
     * @return the name, such as {@code EPIPE}, or {@code null} for a failed JDK channel operation
     */
    public String errnoName() {
        return errnoName;
    }

    /**
     * Returns the bytes the target accepted before the failure.
     *
     * @return bytes delivered
     */
    public long bytesDelivered() {
        return bytesDelivered;
    }
}
