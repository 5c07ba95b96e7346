package io.splice4j.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Connected loopback pairs, TCP or Unix-domain, all closed with this object (and the Unix
 * listener's temporary directory deleted). A transfer test uses two: the feeder writes into
 * {@code source}'s peer, and the drain reads from {@code target}'s peer.
 */
public final class Loopback implements AutoCloseable {

    /**
     * Two connected ends of one TCP connection.
     *
     * @param near the end handed to the code under test
     * @param far the end the test drives
     */
    public record Pair(SocketChannel near, SocketChannel far) {
    }

    private final ServerSocketChannel server;
    private final List<Channel> opened = new ArrayList<>();
    /** Made on first use, guarded by {@code opened}. */
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
     * Opens a TCP connection.
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
        SocketChannel far = track(SocketChannel.open(listener.getLocalAddress()));
        SocketChannel near = track(listener.accept());
        return new Pair(near, far);
    }

    private ServerSocketChannel unixServer() throws IOException {
        synchronized (opened) {
            if (unixServer == null) {
                unixDirectory = Files.createTempDirectory("splice4j-loopback");
                unixServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                        .bind(UnixDomainSocketAddress.of(unixDirectory.resolve("listener")), 64);
            }
            return unixServer;
        }
    }

    private SocketChannel track(SocketChannel channel) {
        synchronized (opened) {
            opened.add(channel);
        }
        return channel;
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

    /** Closes every channel opened here, then the listeners, and deletes the Unix listener's directory. */
    @Override
    public void close() throws IOException {
        synchronized (opened) {
            for (Channel channel : opened) {
                channel.close();
            }
            opened.clear();
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
