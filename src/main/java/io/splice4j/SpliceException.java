package io.splice4j;

import java.io.IOException;
import java.util.Optional;

/**
 * A transfer failed in a system call or a channel operation.
 *
 * <p>The message names the operation and, for native calls, the errno, for example
 * {@code splice(fd 12 -> pipe): ECONNRESET, 65536 bytes delivered}. {@link #bytesDelivered()}
 * counts only bytes the target accepted; bytes that were read but still sat in a pipe or buffer
 * when the failure happened are lost and not counted. {@link #side()} says which channel the failed
 * operation was on, where it was on one: a relay tells a broken connection by it.
 */
public class SpliceException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Which of a transfer's channels a failed operation was on. */
    public enum Side {
        /** The channel the transfer reads. */
        SOURCE,
        /** The channel the transfer writes. */
        TARGET
    }

    /** The failed call or channel operation. */
    private final String operation;
    /** The errno's symbolic name, or {@code null} for a JDK channel operation. */
    private final String errnoName;
    /** Bytes the target accepted before the failure. */
    private final long bytesDelivered;
    /** The channel the operation was on, or {@code null} if neither (a pipe, an epoll instance). */
    private final Side side;

    /**
     * Creates an exception for a failed native call.
     *
     * @param operation the call and its fds, such as {@code splice(fd 12 -> pipe)}
     * @param errnoName the errno's symbolic name, such as {@code ECONNRESET}
     * @param bytesDelivered bytes the target accepted before the failure
     */
    public SpliceException(String operation, String errnoName, long bytesDelivered) {
        this(operation, errnoName, bytesDelivered, null);
    }

    /**
     * Creates an exception for a failed native call on one of the transfer's channels.
     *
     * @param operation the call and its fds, such as {@code splice(fd 12 -> pipe)}
     * @param errnoName the errno's symbolic name, such as {@code ECONNRESET}
     * @param bytesDelivered bytes the target accepted before the failure
     * @param side the channel the call was on, or {@code null} if neither
     */
    public SpliceException(String operation, String errnoName, long bytesDelivered, Side side) {
        super(operation + ": " + errnoName + ", " + bytesDelivered + " bytes delivered");
        this.operation = operation;
        this.errnoName = errnoName;
        this.bytesDelivered = bytesDelivered;
        this.side = side;
    }

    /**
     * Creates an exception for a failed channel operation on the portable path.
     *
     * @param operation the operation, such as {@code read(source)}
     * @param bytesDelivered bytes the target accepted before the failure
     * @param cause the JDK's exception
     */
    public SpliceException(String operation, long bytesDelivered, IOException cause) {
        this(operation, bytesDelivered, cause, null);
    }

    /**
     * Creates an exception for a failed channel operation on one of the transfer's channels.
     *
     * @param operation the operation, such as {@code read(source)}
     * @param bytesDelivered bytes the target accepted before the failure
     * @param cause the JDK's exception
     * @param side the channel the operation was on, or {@code null} if neither
     */
    public SpliceException(String operation, long bytesDelivered, IOException cause, Side side) {
        super(operation + ": " + cause.getMessage() + ", " + bytesDelivered + " bytes delivered", cause);
        this.operation = operation;
        this.errnoName = null;
        this.bytesDelivered = bytesDelivered;
        this.side = side;
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

    /**
     * Returns the channel the failed operation was on: a failure there means that connection is
     * broken (its peer reset it, or the kernel reported an error on it).
     *
     * @return the side, or empty if the operation was on neither channel (a pipe, an epoll instance)
     */
    public Optional<Side> side() {
        return Optional.ofNullable(side);
    }
}
