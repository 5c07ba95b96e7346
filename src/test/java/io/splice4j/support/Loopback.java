package io.splice4j.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Connected loopback TCP pairs, all closed with this object. A transfer test uses two: the feeder
 * writes into {@code source}'s peer, and the drain reads from {@code target}'s peer.
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
        SocketChannel far = track(SocketChannel.open(server.getLocalAddress()));
        SocketChannel near = track(server.accept());
        return new Pair(near, far);
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

    /** Closes every channel opened here, then the listener. */
    @Override
    public void close() throws IOException {
        synchronized (opened) {
            for (Channel channel : opened) {
                channel.close();
            }
            opened.clear();
        }
        server.close();
    }
}
