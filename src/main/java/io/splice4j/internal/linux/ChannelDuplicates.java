package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;

/**
 * Turns a number read or found for a channel into a close-on-exec duplicate of the channel's fd,
 * reporting a failure that a close from another thread explains as that close.
 */
final class ChannelDuplicates {

    private ChannelDuplicates() {
    }

    /**
     * Duplicates {@code fd} and proves the duplicate is the channel's: a number can be closed and
     * reused between reading it and the {@code dup}, but a close is final and a reused number needs a
     * close first, so a channel still open after the {@code dup} proves the number was its own.
     *
     * @return the duplicate, not yet owned by any arena
     * @throws AsynchronousCloseException if the channel was closed meanwhile
     * @throws NotSpliceableException if the {@code dup} fails ({@link FallbackReason#NO_FD})
     */
    static int proved(Channel channel, int fd) throws AsynchronousCloseException, NotSpliceableException {
        int owned = unproved(channel, fd);
        if (!channel.isOpen()) {
            LibC.close(owned);
            throw new AsynchronousCloseException();
        }
        return owned;
    }

    /**
     * Duplicates {@code fd}, for a caller that proves the duplicate is the channel's some other way.
     *
     * @return the duplicate, not yet owned by any arena
     * @throws AsynchronousCloseException if the {@code dup} failed and the channel is closed
     * @throws NotSpliceableException if the {@code dup} fails ({@link FallbackReason#NO_FD})
     */
    static int unproved(Channel channel, int fd) throws AsynchronousCloseException, NotSpliceableException {
        int owned = Fds.duplicate(fd);
        if (owned < 0) {
            throw closedOr(channel, "fcntl(fd " + fd + ", F_DUPFD_CLOEXEC): " + Errno.name(LibC.errno()));
        }
        return owned;
    }

    /**
     * Returns the refusal ({@link FallbackReason#NO_FD}) for a failure, unless the channel is closed,
     * which explains the failure better.
     *
     * @throws AsynchronousCloseException if the channel is closed
     */
    static NotSpliceableException closedOr(Channel channel, String message) throws AsynchronousCloseException {
        if (!channel.isOpen()) {
            throw new AsynchronousCloseException();
        }
        return new NotSpliceableException(FallbackReason.NO_FD, message);
    }
}
