package io.splice4j.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Connected loopback TCP pairs, all closed with this object unless closed before. A transfer test
 * uses two: the feeder writes into {@code source}'s peer, and the drain reads from {@code target}'s
 * peer. The benchmarks make thousands a second and close each {@link Pair} when done with it.
 */
public final class Loopback implements AutoCloseable {

    /** Two connected ends of one connection, TCP or Unix-domain. */
    public static final class Pair implements AutoCloseable {

        private final Loopback owner;
        private final SocketChannel near;
        private final SocketChannel far;

        private Pair(Loopback owner, SocketChannel near, SocketChannel far) {
            this.owner = owner;
            this.near = near;
            this.far = far;
        }

        /**
         * Returns the accepted end, the one handed to the code under test.
         *
         * @return the near end
         */
        public SocketChannel near() {
            return near;
        }

        /**
         * Returns the connecting end, the one the test drives.
         *
         * @return the far end
         */
        public SocketChannel far() {
            return far;
        }

        /**
         * Closes both ends with a reset (see {@link Loopback#abort}), the far end first.
         *
         * @throws IOException if closing fails
         */
        @Override
        public void close() throws IOException {
            owner.forget(this);
            try {
                abort(far);
            } finally {
                abort(near);
            }
        }
    }

    private final ServerSocketChannel server;
    private final Set<Pair> open = new LinkedHashSet<>();
    /** Made on first use, guarded by {@code open}. */
    private ServerSocketChannel unixServer;
    private Path unixDirectory;

    /** Listens on an ephemeral loopback port. */
    public Loopback() {
        try {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens a connection.
     *
     * @return the accepted end as {@code near}, the connecting end as {@code far}
     * @throws IOException if connecting fails
     */
    public Pair pair() throws IOException {
        return pair(SocketKind.TCP);
    }

    /**
     * Opens a connection of the given kind.
     *
     * @param kind TCP or Unix-domain
     * @return the accepted end as {@code near}, the connecting end as {@code far}
     * @throws IOException if connecting fails
     */
    public Pair pair(SocketKind kind) throws IOException {
        ServerSocketChannel listener = kind == SocketKind.TCP ? server : unixServer();
        SocketChannel far = SocketChannel.open(listener.getLocalAddress());
        try {
            Pair pair = new Pair(this, listener.accept(), far);
            synchronized (open) {
                open.add(pair);
            }
            return pair;
        } catch (IOException | RuntimeException e) {
            far.close();
            throw e;
        }
    }

    private ServerSocketChannel unixServer() throws IOException {
        synchronized (open) {
            if (unixServer == null) {
                unixDirectory = Files.createTempDirectory("splice4j-loopback");
                unixServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                        .bind(UnixDomainSocketAddress.of(unixDirectory.resolve("listener")), 64);
            }
            return unixServer;
        }
    }

    /**
     * Returns the address others connect to, for {@link #accept()}.
     *
     * @return the listener's loopback address
     * @throws IOException if the listener is closed
     */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /**
     * Accepts one connection that someone else made to {@link #address()}; the caller owns and
     * closes it.
     *
     * @return the accepted end
     * @throws IOException if accepting fails
     */
    public SocketChannel accept() throws IOException {
        return server.accept();
    }

    private void forget(Pair pair) {
        synchronized (open) {
            open.remove(pair);
        }
    }

    /**
     * Makes a later close of {@code channel} send a reset instead of a FIN.
     *
     * @param channel a connected channel
     * @throws IOException if the option can't be set
     */
    public static void resetOnClose(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
    }

    /**
     * Closes {@code channel} with a reset instead of a FIN, or plainly if the peer has reset it
     * already. Connections opened and closed thousands of times a second would otherwise pile up in
     * TIME_WAIT and could use up the ephemeral ports of one listener.
     *
     * @param channel a channel, open or not
     * @throws IOException if closing fails
     */
    public static void abort(SocketChannel channel) throws IOException {
        try {
            // Unix-domain sockets have no linger option and no TIME_WAIT.
            if (channel.isOpen() && channel.supportedOptions().contains(StandardSocketOptions.SO_LINGER)) {
                resetOnClose(channel);
            }
        } catch (IOException alreadyReset) {
            // A plain close is just as good then.
        } finally {
            channel.close();
        }
    }

    /** Closes every pair still open here, then the listeners, and deletes the Unix listener's directory. */
    @Override
    public void close() throws IOException {
        synchronized (open) {
            for (Pair pair : open) {
                pair.far.close();
                pair.near.close();
            }
            open.clear();
            if (unixServer != null) {
                unixServer.close();
                Files.deleteIfExists(unixDirectory.resolve("listener"));
                Files.delete(unixDirectory);
                unixServer = null;
            }
        }
        server.close();
    }
}
