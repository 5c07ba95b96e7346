package io.splice4j;

/** Why a transfer in {@link SpliceMode#AUTO} took the portable path instead of splicing. */
public enum FallbackReason {
    /** {@code -Dsplice4j.mode=portable} disabled splicing JVM-wide. */
    MODE,
    /** The operating system is not Linux. */
    NOT_LINUX,
    /** Native access is not enabled for splice4j ({@code --enable-native-access}), or libc could not be bound. */
    NO_NATIVE_ACCESS,
    /**
     * {@code splice(2)} itself is denied to this process: {@code EPERM} or {@code ENOSYS} from a seccomp
     * profile or a security module, as in a container run with a stricter profile than Docker's default.
     */
    SPLICE_DENIED,
    /** The channels' file descriptors can't be read in this JVM. */
    NO_FD,
    /** A channel is not the JDK's own socket or file implementation (a wrapper might encrypt or frame the bytes). */
    UNSUPPORTED_CHANNEL,
    /** The kernel refused a pipe ({@code EMFILE}, {@code ENFILE}, {@code ENOMEM}); copying needs no fds. */
    NO_PIPE,
    /**
     * An engine's pipe pool was exhausted, so a flow copied a chunk through the loop's buffer instead
     * of waiting for a pipe; counted once per transfer, like every reason.
     */
    POOL_EXHAUSTED,
    /**
     * The caller is a virtual thread, which must not wait in a blocking native call, and no engine
     * can run to park it on.
     */
    VIRTUAL_THREAD,
    /** The kernel refused to splice this pair of fds ({@code EINVAL} on the first call; nothing was consumed). */
    EINVAL,
    /**
     * This JVM holds a {@link java.nio.channels.FileLock} on the file: on Linux closing any fd of a file
     * releases the process's locks on it, so the file is not given a duplicate fd to splice with.
     */
    FILE_LOCKED
}
