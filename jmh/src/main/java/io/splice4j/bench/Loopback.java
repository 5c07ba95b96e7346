package io.splice4j.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A listener on 127.0.0.1 that hands out connected pairs of blocking JDK socket channels. Pairs are
 * made outside the measured time; each operation gets fresh ones, because a transfer ends at the
 * source's end-of-stream and a socket's output can be shut down only once.
 */
final class Loopback implements AutoCloseable {

    private final ServerSocketChannel listener;

    Loopback() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    /** Connects a new pair; the blocking connect completes in the listen backlog, then we accept. */
    Pair connect() throws IOException {
        SocketChannel client = SocketChannel.open(address());
        try {
            return new Pair(client, listener.accept());
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Accepts one connection made to {@link #address()} by someone else (e.g. a Netty channel). */
    SocketChannel accept() throws IOException {
        return listener.accept();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }

    /** Both ends of one loopback connection. */
    record Pair(SocketChannel client, SocketChannel server) implements AutoCloseable {

        @Override
        public void close() throws IOException {
            try {
                Sockets.abort(client);
            } finally {
                server.close();
            }
        }
    }
}
