package io.splice4j.internal.linux;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Unix-domain socket, recognised by a marker set through the channel's public API. Its addresses
 * can't tell it (every socket accepted from one listener reports its path, and peers are unnamed),
 * so the marker is a random {@code SO_LINGER} time, which a Unix socket stores but never acts on
 * (closing one never lingers). The channel is marked from construction until {@link #close}, which
 * restores its own setting.
 */
final class UnixIdentity extends SocketIdentity {

    /** {@code SO_LINGER} seconds the JDK accepts: markers are drawn from 1 to this. */
    private static final int MAX_LINGER = 65_535;

    private final FdProbe probe;
    private final int original;
    private int marker;

    /** Marks {@code channel}; {@code probe} reads the marker back from the numbers looked at. */
    UnixIdentity(SocketChannel channel, FdProbe probe) throws AsynchronousCloseException, NotSpliceableException {
        super(channel);
        this.probe = probe;
        try {
            original = channel.getOption(StandardSocketOptions.SO_LINGER);
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException();
        } catch (IOException e) {
            throw FdNotFound.because("can't read the channel's SO_LINGER: " + e);
        }
        mark();
    }

    private void mark() throws AsynchronousCloseException, NotSpliceableException {
        int next;
        do {
            next = 1 + ThreadLocalRandom.current().nextInt(MAX_LINGER);
        } while (next == original || next == marker);
        try {
            channel().setOption(StandardSocketOptions.SO_LINGER, next);
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException();
        } catch (IOException e) {
            throw FdNotFound.because("can't mark the channel with SO_LINGER: " + e);
        }
        marker = next;
    }

    @Override
    boolean unix() {
        return true;
    }

    @Override
    int hint(FdTable table) {
        return -1;
    }

    @Override
    boolean matches(int fd, FdSlot slot) {
        return slot.isUnixSocket() && probe.linger(fd) == marker;
    }

    @Override
    boolean confirms(int fd) throws AsynchronousCloseException, NotSpliceableException {
        // A socket that happened to carry the same linger time can't follow a change made
        // through the channel; the channel's own socket does.
        mark();
        return probe.linger(fd) == marker;
    }

    @Override
    public void close() {
        try {
            channel().setOption(StandardSocketOptions.SO_LINGER, original);
        } catch (IOException e) {
            // Closed meanwhile: the socket and its setting are gone.
        }
    }

    @Override
    public String toString() {
        return "Unix-domain socket " + channel();
    }
}
