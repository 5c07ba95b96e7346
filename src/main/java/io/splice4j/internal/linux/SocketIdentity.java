package io.splice4j.internal.linux;

import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;

/**
 * How one channel's socket is recognised among the fds the flag-free matcher looks at, and what
 * recognising it changed (restored on {@link #close}).
 */
abstract class SocketIdentity implements AutoCloseable {

    private final SocketChannel channel;

    SocketIdentity(SocketChannel channel) {
        this.channel = channel;
    }

    /** The channel whose socket this identifies. */
    final SocketChannel channel() {
        return channel;
    }

    /** Whether only Unix sockets can match, which the table must offer again each lookup. */
    abstract boolean unix();

    /** A number to try first, or {@code -1}. */
    abstract int hint(FdTable table);

    /** Whether {@code fd}, just described as {@code slot}, looks like the channel's socket. */
    abstract boolean matches(int fd, FdSlot slot);

    /** Whether a matching number is the channel's socket for certain, if the channel is open after. */
    abstract boolean confirms(int fd) throws AsynchronousCloseException, NotSpliceableException;

    /** Undoes what recognising the socket changed on it; nothing by default. */
    @Override
    public void close() {
    }
}
