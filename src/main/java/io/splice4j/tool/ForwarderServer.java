package io.splice4j.tool;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import io.splice4j.internal.jmx.Jmx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A TCP forwarder: accepts clients up to a limit, connects each to the upstream address on a
 * virtual thread, and joins the two with a {@link Relay} run by a {@link RelayRunner}. One failed
 * connection is closed (and counted); the forwarder goes on.
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
    private final SpliceOptions options;
    private final FdBudget budget;
    private final ConnectionLimit limit;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final ForwarderStats stats = new ForwarderStats();
    private final FailureRun acceptFailures = new FailureRun();
    private final FailureRun connectFailures = new FailureRun();
    private final Consumer<RelayResult> onRelayEnd;
    private final Thread acceptor;
    private Jmx.Registration mbean;

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
        this.options = runner.options(builder.build());
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
            server = ServerSocketChannel.open().bind(args.listen(), Math.max(MIN_BACKLOG, limit.max()));
            ForwarderServer forwarder = new ForwarderServer(args, server, runner, budget, limit, onRelayEnd);
            forwarder.mbean = forwarder.registerMBean();
            forwarder.acceptor.start();
            return forwarder;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            runner.close();
            throw e;
        }
    }

    /** {@code io.splice4j:type=Forwarder,name=<listen address>}: the summary's counters, live. */
    private Jmx.Registration registerMBean() throws IOException {
        Map<String, LongSupplier> counters = stats.counters();
        counters.put("OpenConnections", open::size);
        counters.put("LimitReached", limit::episodes);
        return Jmx.registerCounters("Forwarder", address().getHostString() + ":" + address().getPort(), counters);
    }

    /** The address clients connect to. */
    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** The start line: where from and to, what runs the relays, the limits, and whether it splices. */
    String describe() throws IOException {
        String max = args.maxConnections().isPresent() ? limit.max() + " (--max-connections)"
                : limit.max() + " (" + budget.explain() + ")";
        return "forwarding " + address() + " -> " + args.connect() + ", mode " + args.mode() + ", "
                + runner.describe() + ", max connections " + max + ", connect timeout "
                + ForwarderArgs.format(args.connectTimeout()) + ", idle timeout "
                + args.idleTimeout().map(ForwarderArgs::format).orElse("none") + ", zero-copy "
                + (Splice.zeroCopy() ? "on" : "off (" + Splice.zeroCopyUnavailableReason().orElse("?") + ")");
    }

    /** Whether {@code --max-connections} asks for more than the open-files limit leaves room for. */
    boolean limitExceedsFds() {
        return limit.max() > budget.maxConnections();
    }

    /** What the forwarder has done so far, for people. */
    String summary() {
        return stats.summary() + "\n  " + limit.summary();
    }

    /** Connections accepted and not yet ended: connecting upstream or relayed. */
    int openConnections() {
        return open.size();
    }

    private void acceptLoop() {
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
                long failures = acceptFailures.succeeded();
                if (failures > 0) {
                    ForwarderLog.info("accepting again after {0} failed accepts", failures);
                }
                Connection connection = new Connection(client);
                open.add(connection);
                // Connecting can take up to the connect timeout: a virtual thread waits for it parked.
                Thread.ofVirtual().name("splice4j-connect").start(() -> connect(connection));
            }
        } catch (InterruptedException e) {
            // Nobody interrupts the acceptor but close(), which stops accepting anyway.
        }
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
        if (acceptFailures.failed()) {
            ForwarderLog.warning("accept failed: {0}; retrying as connections end; clients already connected go on",
                    e.toString());
        }
        limit.awaitRelease(ACCEPT_RETRY_MILLIS);
    }

    private void connect(Connection connection) {
        SocketChannel upstream = null;
        try {
            upstream = SocketChannel.open();
            if (!connection.upstream(upstream)) {
                throw new AsynchronousCloseException();
            }
            upstream.socket().connect(args.connect(),
                    (int) Math.min(Integer.MAX_VALUE, args.connectTimeout().toMillis()));
            Relay relay = Splice.relay(connection.client(), upstream, options);
            connected(connection, upstream);
            relay.completion().thenAccept(result -> ended(connection, result));
            if (!connection.relay(relay)) {
                relay.close();
            }
        } catch (Exception | LinkageError e) {
            // Out of fds even loading a class may fail: the client must still be closed.
            // Counted and logged before the client sees its connection end, which may be the
            // moment it stops the forwarder.
            if (connection.isClosed()) {
                stats.closedWhileConnecting();
            } else {
                connectFailed(connection, e);
            }
            Connection.closeQuietly(upstream);
            connection.close();
            finish(connection);
        }
    }

    private void connected(Connection connection, SocketChannel upstream) {
        long failures = connectFailures.succeeded();
        if (failures > 0) {
            ForwarderLog.info("connected to {0} again after {1} failed connects", args.connect(), failures);
        }
        if (args.logConnections()) {
            ForwarderLog.info("client {0}: connected to {1} from {2}", connection.clientAddress(), args.connect(),
                    local(upstream));
        }
    }

    private void connectFailed(Connection connection, Throwable e) {
        boolean timedOut = e instanceof SocketTimeoutException;
        stats.upstreamFailed(timedOut);
        String cause = timedOut ? "no answer within " + ForwarderArgs.format(args.connectTimeout()) : e.toString();
        if (connectFailures.failed()) {
            ForwarderLog.warning("client {0}: can''t connect to {1}: {2}; closing the client (further failures are "
                    + "counted, not logged, until a connect succeeds)", connection.clientAddress(), args.connect(),
                    cause);
        } else if (args.logConnections()) {
            ForwarderLog.info("client {0}: can''t connect to {1}: {2}; closing the client",
                    connection.clientAddress(), args.connect(), cause);
        }
    }

    private void ended(Connection connection, RelayResult result) {
        stats.record(result);
        if (args.logConnections()) {
            ForwarderLog.info("client {0}: {1}{2}, {3} bytes to upstream ({4}), {5} bytes back ({6})",
                    connection.clientAddress(), result.end(), result.failure().map(f -> " (" + f + ")").orElse(""),
                    result.aToB().bytes(), result.aToB().path(), result.bToA().bytes(), result.bToA().path());
        }
        finish(connection);
        onRelayEnd.accept(result);
    }

    private void finish(Connection connection) {
        open.remove(connection);
        limit.release();
    }

    private static String local(SocketChannel channel) {
        try {
            return String.valueOf(channel.getLocalAddress());
        } catch (IOException e) {
            return "(closed)";
        }
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
