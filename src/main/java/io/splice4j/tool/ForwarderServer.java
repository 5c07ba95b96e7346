package io.splice4j.tool;

import io.splice4j.internal.ChannelGuard;
import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A TCP forwarder: accepts clients, connects each to the upstream address, and joins the two with a
 * {@link Relay}. One failed connection is logged and closed; the forwarder goes on.
 */
final class ForwarderServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.splice4j.tool");
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final ServerSocketChannel server;
    private final InetSocketAddress upstream;
    private final SpliceOptions options;
    private final Set<Relay> active = ConcurrentHashMap.newKeySet();
    private final ForwarderStats stats = new ForwarderStats();
    private final Consumer<RelayResult> onRelayEnd;
    private final Thread acceptor;

    private ForwarderServer(ServerSocketChannel server, InetSocketAddress upstream, SpliceOptions options,
            Consumer<RelayResult> onRelayEnd) {
        this.server = server;
        this.upstream = upstream;
        this.options = options;
        this.onRelayEnd = onRelayEnd;
        this.acceptor = Thread.ofPlatform().name("splice4j-acceptor").unstarted(this::acceptLoop);
    }

    /** Binds {@code listen} and starts accepting; {@code onRelayEnd} hears of every relay that ends. */
    static ForwarderServer start(InetSocketAddress listen, InetSocketAddress upstream, SpliceOptions options,
            Consumer<RelayResult> onRelayEnd) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open().bind(listen, 1024);
        ForwarderServer forwarder = new ForwarderServer(server, upstream, options, onRelayEnd);
        forwarder.acceptor.start();
        return forwarder;
    }

    /** The address clients connect to. */
    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    ForwarderStats stats() {
        return stats;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // EMFILE and friends: keep serving the clients already connected.
                log(Level.WARNING, "accept failed: {0}", e);
                continue;
            }
            stats.accepted();
            // Connecting can take a while; a virtual thread keeps the acceptor free. The relay
            // itself runs on its own platform threads, where it can splice.
            Thread.ofVirtual().name("splice4j-connect").start(() -> connect(client));
        }
    }

    private void connect(SocketChannel client) {
        SocketChannel upstreamChannel = null;
        try {
            upstreamChannel = SocketChannel.open();
            upstreamChannel.socket().connect(upstream, CONNECT_TIMEOUT_MILLIS);
            Relay relay = Splice.relay(client, upstreamChannel, options);
            active.add(relay);
            relay.completion().thenAccept(result -> finished(relay, result));
        } catch (Exception | LinkageError e) {
            // Out of fds even the log line may fail: it can't keep the client from being closed.
            stats.upstreamFailed();
            log(Level.WARNING, "client {0}: can''t connect to {1}: {2}; closing the client", remote(client), upstream, e);
            ChannelGuard.closeQuietly(client);
            if (upstreamChannel != null) {
                ChannelGuard.closeQuietly(upstreamChannel);
            }
        }
    }

    /** Logs without letting a failure to log (no fds left to load a time zone) end the caller. */
    private static void log(Level level, String format, Object... arguments) {
        try {
            LOG.log(level, format, arguments);
        } catch (RuntimeException | Error e) {
            // Nothing better to do with it.
        }
    }

    private void finished(Relay relay, RelayResult result) {
        active.remove(relay);
        stats.record(result);
        result.failure().ifPresent(failure -> log(Level.INFO, "relay ended with a failure: {0}", failure));
        onRelayEnd.accept(result);
    }

    private static String remote(SocketChannel channel) {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return "(closed)";
        }
    }


    /** Stops accepting, closes every relay, and returns when all have ended. */
    @Override
    public void close() throws IOException {
        close(Duration.ZERO);
    }

    /**
     * Stops accepting, gives the relays still running up to {@code grace} to end by themselves
     * (one whose client has just seen its last byte is usually a moment from done), closes the rest,
     * and returns when all have ended.
     */
    void close(Duration grace) throws IOException {
        server.close();
        try {
            acceptor.join();
            CompletableFuture<?>[] running = active.stream().map(Relay::completion).toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(running).get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Relays that outlast the grace period are closed below.
        }
        for (Relay relay : active) {
            relay.close();
        }
    }
}
