package io.splice4j.tool;

import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A forwarder, TCP or Unix socket at either end: accepts clients up to a {@link ConnectionLimit},
 * hands each to the {@link Connector}, which joins it to the upstream with a relay run by a
 * {@link RelayRunner}, and closes whatever is still open when it is closed. One failed connection
 * is closed (and counted); the forwarder goes on.
 */
final class ForwarderServer implements AutoCloseable {

    /** Clients past the limit wait in the backlog; the kernel caps it at {@code somaxconn}. */
    private static final int MIN_BACKLOG = 4096;
    /** How long the acceptor pauses after a failed accept (out of fds) unless a connection ends first. */
    private static final long ACCEPT_RETRY_MILLIS = 100;
    /** How long connections closed at shutdown may take to end before the engine is stopped. */
    private static final long CLOSE_MILLIS = 10_000;

    private final ForwarderArgs args;
    private final ServerSocketChannel server;
    private final RelayRunner runner;
    private final FdBudget budget;
    private final ConnectionLimit limit;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final ForwarderStats stats = new ForwarderStats();
    private final FailureLog acceptFailures = new FailureLog(Duration.ofSeconds(10));
    private final Connector connector;
    private final Consumer<RelayResult> onRelayEnd;
    private final Thread acceptor;
    private ForwarderBean mbean;

    private ForwarderServer(ForwarderArgs args, ServerSocketChannel server, RelayRunner runner, FdBudget budget,
            ConnectionLimit limit, Consumer<RelayResult> onRelayEnd) {
        this.args = args;
        this.server = server;
        this.runner = runner;
        this.budget = budget;
        this.limit = limit;
        this.onRelayEnd = onRelayEnd;
        SpliceOptions.Builder builder = SpliceOptions.builder().mode(args.mode()).chunkSize(args.chunkSize());
        args.idleTimeout().ifPresent(builder::idleTimeout);
        this.connector = new Connector(args, runner.options(builder.build()), stats, this::ended);
        this.acceptor = Thread.ofPlatform().name("splice4j-acceptor").unstarted(this::acceptLoop);
    }

    /**
     * Starts the relay runner, binds {@code args.listen()} and starts accepting; {@code onRelayEnd}
     * hears of every relay that ends.
     */
    static ForwarderServer start(ForwarderArgs args, Consumer<RelayResult> onRelayEnd) throws IOException {
        RelayRunner runner = RelayRunner.start(args.loops(), args.chunkSize(), args.mode());
        ServerSocketChannel server = null;
        try {
            FdBudget budget = FdBudget.ofThisProcess(runner.pipeFds(), args.loops());
            ConnectionLimit limit = new ConnectionLimit(args.maxConnections().orElse(budget.maxConnections()));
            server = listen(args, Math.max(MIN_BACKLOG, limit.max()));
            ForwarderServer forwarder = new ForwarderServer(args, server, runner, budget, limit, onRelayEnd);
            // Registered before the first client: it starts the platform MBean server (~10 MB and a
            // few hundred ms), which must not land on traffic; the library's own beans follow.
            forwarder.mbean = forwarder.registerMBean();
            Splice.metrics();
            forwarder.acceptor.start();
            return forwarder;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
                removeSocketFile(args);
            }
            runner.close();
            throw e;
        }
    }

    /** {@code io.splice4j:type=Forwarder,name=<listen address>}: the summary's counters, live. */
    private ForwarderBean registerMBean() throws IOException {
        SocketAddress bound = address();
        String name = bound instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort()
                : String.valueOf(bound);
        return ForwarderBean.register(name, stats, open::size, limit::episodes);
    }

    private static ServerSocketChannel listen(ForwarderArgs args, int backlog) throws IOException {
        Path path = Endpoints.unixPath(args.listen());
        return path == null ? ServerSocketChannel.open().bind(args.listen(), backlog)
                : UnixListenSocket.bind(path, args.edge().unixMode(), backlog);
    }

    private static void removeSocketFile(ForwarderArgs args) {
        Path path = Endpoints.unixPath(args.listen());
        if (path != null) {
            UnixListenSocket.remove(path);
        }
    }

    /** The address clients connect to: the TCP address bound, or the Unix socket's path. */
    SocketAddress address() throws IOException {
        // A socket bound with a mode was bound elsewhere and renamed: its own address is stale.
        return Endpoints.unixPath(args.listen()) != null ? args.listen() : server.getLocalAddress();
    }

    /** The start line: where from and to, what runs the relays, the limits, and whether it splices. */
    String describe() throws IOException {
        String max = args.maxConnections().isPresent() ? limit.max() + " (--max-connections)"
                : limit.max() + " (" + budget.explain() + ")";
        return "forwarding " + Endpoints.text(address()) + " -> " + Endpoints.text(args.connect()) + proxy()
                + ", mode " + args.mode() + ", "
                + runner.describe() + ", max connections " + max + ", connect timeout "
                + ForwarderArgs.format(args.connectTimeout()) + ", idle timeout "
                + args.idleTimeout().map(ForwarderArgs::format).orElse("none") + ", zero-copy "
                + (Splice.zeroCopy() ? "on" : "off (" + Splice.zeroCopyUnavailableReason().orElse("?") + ")");
    }

    private String proxy() {
        EdgeOptions edge = args.edge();
        String accept = edge.acceptProxy() ? ", accept PROXY (timeout " + ForwarderArgs.format(edge.proxyTimeout()) + ")"
                : "";
        return accept + edge.sendProxy().map(version -> ", send PROXY " + version.name().toLowerCase(Locale.ROOT))
                .orElse("");
    }

    /** The most connections served at once. */
    int maxConnections() {
        return limit.max();
    }

    /** How many connections the open-files limit leaves room for. */
    int fdRoom() {
        return budget.maxConnections();
    }

    /** What the forwarder has done so far, for people. */
    String summary() {
        return stats.summary() + "\n  " + limit.summary();
    }

    /** Clients closed for their PROXY header so far. */
    long proxyHeadersRejected() {
        return stats.proxyHeadersRejected();
    }

    /** Connections accepted and not yet ended: connecting upstream or relayed. */
    int openConnections() {
        return open.size();
    }

    private void acceptLoop() {
        long acceptedCount = 0;
        try {
            while (limit.awaitPlace()) {
                SocketChannel client;
                try {
                    client = limit.pausing() ? acceptIfWaiting() : server.accept();
                    if (client == null) {
                        limit.drained();
                        continue;
                    }
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    acceptFailed(e);
                    continue;
                }
                limit.opened();
                stats.accepted();
                Connection connection = unixClient(client, ++acceptedCount);
                open.add(connection);
                connector.start(connection);
            }
        } catch (InterruptedException e) {
            // Nobody interrupts the acceptor but close(), which stops accepting anyway.
        }
    }

    /** Unix clients have no address: they go by the socket's path and a number in log lines. */
    private Connection unixClient(SocketChannel client, long number) {
        Path path = Endpoints.unixPath(args.listen());
        return path == null ? new Connection(client) : new Connection(client, "unix:" + path + " #" + number);
    }

    /** Accepts a client only if one is waiting in the backlog; {@code null} if none is. */
    private SocketChannel acceptIfWaiting() throws IOException {
        server.configureBlocking(false);
        try {
            SocketChannel client = server.accept();
            if (client != null) {
                client.configureBlocking(true);
            }
            return client;
        } finally {
            server.configureBlocking(true);
        }
    }

    private void acceptFailed(IOException e) throws InterruptedException {
        // EMFILE and friends: the client stays in the backlog, so retrying at once would spin.
        String note = acceptFailures.failed();
        if (note != null) {
            ForwarderLog.warning("accept failed: {0}; retrying as connections end, clients already connected go on "
                    + "({1})", e.toString(), note);
        }
        limit.awaitRelease(ACCEPT_RETRY_MILLIS);
    }

    private void ended(Connection connection, Optional<RelayResult> result) {
        open.remove(connection);
        limit.release();
        result.ifPresent(onRelayEnd);
    }

    /** Stops accepting, closes every connection, and returns when all have ended. */
    @Override
    public void close() throws IOException {
        close(Duration.ZERO);
    }

    /**
     * Stops accepting, gives the connections still open up to {@code grace} to end by themselves
     * (one whose client has just seen its last byte is usually a moment from done), closes the rest,
     * waits for them to end, and stops the relay runner.
     */
    void close(Duration grace) throws IOException {
        server.close();
        removeSocketFile(args);
        limit.close();
        try {
            acceptor.join();
            // The acceptor has stopped, so the set is complete: a connection still connecting is
            // closed here, and whatever it hands over later is refused and closed by its thread.
            limit.awaitNoneOpen(grace.toNanos());
            for (Connection connection : open) {
                connection.close();
            }
            limit.awaitNoneOpen(TimeUnit.MILLISECONDS.toNanos(CLOSE_MILLIS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            runner.close();
            mbean.close();
        }
    }
}
