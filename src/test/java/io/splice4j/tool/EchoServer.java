package io.splice4j.tool;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The upstream end of forwarder tests: sends back every byte it receives, on a virtual thread per
 * connection, and closes a connection at its end-of-stream. Counts connections open now, the most
 * open at once, and all it accepted, so tests can see what the forwarder did upstream. One made
 * {@link #resettingOn} resets a connection instead whose first byte is the one given; one made with
 * a {@link Service} serves each connection its way (TLS, say), counted the same.
 */
final class EchoServer implements AutoCloseable {

    /** What a server does with each connection, on a virtual thread of its own; closing it is the server's. */
    interface Service {
        /** Serves {@code connection} to its end; a failure ends only it. */
        void serve(SocketChannel connection) throws IOException;
    }

    private final ServerSocketChannel server;
    private final ConnectionTally tally = new ConnectionTally();
    private final Thread acceptor;
    /** The first byte that makes a connection reset, or -1. */
    private final int resetOn;
    private final Service service;

    EchoServer() throws IOException {
        this(ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16_384));
    }

    /** Echoes what clients of {@code server}, bound already (to a Unix socket, say), send; closes it when closed. */
    EchoServer(ServerSocketChannel server) {
        this(server, -1);
    }

    /** Serves each client of {@code server}, bound already, with {@code service}; closes it when closed. */
    EchoServer(ServerSocketChannel server, Service service) {
        this(server, -1, service);
    }

    private EchoServer(ServerSocketChannel server, int resetOn) {
        this(server, resetOn, null);
    }

    private EchoServer(ServerSocketChannel server, int resetOn, Service service) {
        this.server = server;
        this.resetOn = resetOn;
        this.service = service != null ? service : this::echo;
        acceptor = Thread.ofPlatform().name("echo-acceptor").daemon().start(this::acceptLoop);
    }

    /** An echo on loopback that resets (RST) a connection whose first byte is {@code first}. */
    static EchoServer resettingOn(byte first) throws IOException {
        return new EchoServer(ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                0)), first & 0xff);
    }

    int port() {
        return server.socket().getLocalPort();
    }

    int open() {
        return tally.open();
    }

    int peak() {
        return tally.peak();
    }

    int accepted() {
        return tally.accepted();
    }

    /**
     * Waits until no connection is open, or {@code seconds} pass.
     *
     * @return whether none is open
     */
    boolean awaitNoneOpen(int seconds) throws InterruptedException {
        return awaitOpenAtMost(0, seconds);
    }

    /**
     * Waits until at most {@code count} connections are open, or {@code seconds} pass.
     *
     * @return whether at most {@code count} are open
     */
    boolean awaitOpenAtMost(int count, double seconds) throws InterruptedException {
        return tally.awaitOpenAtMost(count, seconds);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel connection;
            try {
                connection = server.accept();
            } catch (IOException e) {
                return;
            }
            tally.opened();
            Thread.ofVirtual().start(() -> serve(connection));
        }
    }

    private void serve(SocketChannel connection) {
        try {
            service.serve(connection);
        } catch (IOException e) {
            // The forwarder closed it: the test that cares sees it on the client side.
        } finally {
            // Counted as closed before the close, not after: a forwarder's relay ends only once this
            // close reaches it, so the count never lags behind the forwarder, which may otherwise
            // already have connected the next client (and the peak would count one relay twice).
            tally.closed();
            try {
                connection.close();
            } catch (IOException e) {
                // Closing: nothing more to send.
            }
        }
    }

    private void echo(SocketChannel connection) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        for (boolean first = true; connection.read(buffer) >= 0; first = false) {
            if (first && (buffer.get(0) & 0xff) == resetOn) {
                connection.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                return;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                connection.write(buffer);
            }
            buffer.clear();
        }
    }

    /**
     * Closes the listening socket and waits for the acceptor to leave {@code accept()}: until it
     * has, the JDK keeps the socket's fd number pointing at a stand-in socket of its own.
     */
    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
