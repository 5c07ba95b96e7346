package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * Turns a JDK {@link SocketChannel} into a file descriptor the transfer loop owns: a close-on-exec
 * duplicate, closed with the loop's arena.
 *
 * <p>Why a duplicate: a thread in {@code splice} on the channel's own fd is not woken by
 * {@code close()}, and the number is reused at once (measured: the next {@code pipe2} got it), so a
 * loop on the raw number could splice from an unrelated fd. The duplicate keeps the socket alive
 * until the loop has noticed the close and finished. The JDK's {@code Selector} would also hold the
 * fd, but only for channels in non-blocking mode, which would be visible to the caller and break
 * two opposite-direction loops sharing a channel.
 */
public final class FdAccess {

    /** How the fd number is read. */
    public enum Kind {
        /** {@code sun.nio.ch.SelChImpl#getFDVal()}, allowed by {@code --add-exports java.base/sun.nio.ch}. */
        REFLECTIVE,
        /**
         * No flag: find the channel's socket among the numbers in {@code /proc/self/fd}, by its
         * addresses (TCP) or a marker set through the channel (Unix-domain).
         */
        PROC_FD_MATCHER
    }

    /** The JDK's socket channel class; anything else may wrap the bytes (TLS, framing) and is never spliced. */
    private static final String JDK_SOCKET_CHANNEL = "sun.nio.ch.SocketChannelImpl";

    private final Kind kind;
    private final MethodHandle getFdVal;
    private final ProcFdMatcher matcher;

    private FdAccess(Kind kind, MethodHandle getFdVal, ProcFdMatcher matcher) {
        this.kind = kind;
        this.getFdVal = getFdVal;
        this.matcher = matcher;
    }

    /**
     * Finds the best way this JVM allows.
     *
     * @return the accessor, or empty if neither way works
     */
    static Optional<FdAccess> discover() {
        Optional<MethodHandle> reflective = reflectiveGetFdVal();
        if (reflective.isPresent()) {
            return Optional.of(new FdAccess(Kind.REFLECTIVE, reflective.get(), null));
        }
        return ProcFdMatcher.available() ? Optional.of(new FdAccess(Kind.PROC_FD_MATCHER, null, new ProcFdMatcher()))
                : Optional.empty();
    }

    private static Optional<MethodHandle> reflectiveGetFdVal() {
        try {
            Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
            if (!selChImpl.getModule().isExported("sun.nio.ch", FdAccess.class.getModule())) {
                return Optional.empty();
            }
            Method method = selChImpl.getMethod("getFDVal");
            return Optional.of(MethodHandles.lookup().unreflect(method)
                    .asType(MethodType.methodType(int.class, SocketChannel.class)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns how fd numbers are read.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Returns whether {@code channel} is the JDK's own socket channel, the only kind spliced.
     *
     * @param channel a channel
     * @return {@code true} if its bytes go to the socket unchanged
     */
    static boolean isJdkSocketChannel(SocketChannel channel) {
        return channel.getClass().getName().equals(JDK_SOCKET_CHANNEL);
    }

    /**
     * Returns a duplicate of the channel's fd that {@code arena} closes.
     *
     * @param channel an open, connected JDK socket channel
     * @param arena the loop's arena
     * @return the owned fd
     * @throws AsynchronousCloseException if the channel was closed meanwhile
     * @throws NotSpliceableException if the fd can't be found
     */
    int own(SocketChannel channel, Arena arena) throws AsynchronousCloseException, NotSpliceableException {
        if (kind == Kind.REFLECTIVE) {
            int owned = duplicateReflective(channel);
            Fds.closeWith(arena, owned);
            return owned;
        }
        int owned = matcher.duplicate(channel);
        // The matcher counts the number as taken until it closes it itself.
        matcher.closeWith(arena, owned);
        return owned;
    }

    /**
     * Returns the channel's own fd number, for a channel registered with a {@code Selector}: the
     * registration defers the real close, so the number can't be reused while it lasts (docs/design.md,
     * "Who owns an fd"), and no duplicate is needed. Safe to call from any thread.
     *
     * @param channel an open JDK socket channel registered with a selector
     * @return its fd
     * @throws AsynchronousCloseException if the channel was closed
     * @throws NotSpliceableException if the fd can't be found
     */
    int pinnedFd(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        if (kind == Kind.PROC_FD_MATCHER) {
            return matcher.find(channel);
        }
        try {
            return (int) getFdVal.invokeExact(channel);
        } catch (Throwable t) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "getFDVal() failed: " + t);
        }
    }

    private int duplicateReflective(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        int fd;
        try {
            fd = (int) getFdVal.invokeExact(channel);
        } catch (Throwable t) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "getFDVal() failed: " + t);
        }
        return ChannelDuplicates.proved(channel, fd);
    }
}
