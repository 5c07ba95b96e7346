package io.splice4j.internal.linux;

import java.lang.ref.WeakReference;
import java.nio.channels.SocketChannel;

/**
 * What one fd number held when the flag-free matcher last looked at it.
 *
 * @param state what the number held
 * @param family the socket's address family, {@code -1} if not a socket
 * @param addresses a connected TCP socket's addresses, else {@code null}
 * @param link what its {@code /proc/self/fd} link said ({@link FdProbe#link}), {@code -1} if not read
 * @param owner the channel, for {@link State#CHANNEL}
 */
record FdSlot(State state, int family, AddressPair addresses, long link, WeakReference<SocketChannel> owner) {

    private static final int AF_UNIX = 1;

    static final FdSlot FREE = new FdSlot(State.FREE, -1, null, -1, null);
    static final FdSlot DUPLICATE = new FdSlot(State.DUPLICATE, -1, null, -1, null);

    /** What a number held. */
    enum State {
        /** Not open. */
        FREE,
        /** Open, not known to be a channel's own fd. */
        OPEN,
        /** A channel's own fd: stays so while the channel is open. */
        CHANNEL,
        /** A duplicate the matcher made, until the action that closes it marks it free. */
        DUPLICATE
    }

    /** Records an open number that is not known to be a channel's. */
    static FdSlot open(int family, AddressPair addresses, long link) {
        return new FdSlot(State.OPEN, family, addresses, link, null);
    }

    /** Whether the number held a Unix-domain socket. */
    boolean isUnixSocket() {
        return family == AF_UNIX;
    }

    /** Whether the number is certainly not free for a new socket now. */
    boolean taken() {
        if (state == State.DUPLICATE) {
            return true;
        }
        SocketChannel channel = state == State.CHANNEL ? owner.get() : null;
        return channel != null && channel.isOpen();
    }
}
