package io.splice4j.tool;

import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A forwarder, TCP or Unix socket at either end: accepts clients up to a {@link ConnectionLimit},
 * hands each to the {@link Connector}, which joins it to the upstream with a relay run by a
 * {@link RelayRunner}, and at the end drains: stops accepting, lets open connections finish, resets
 * the rest. One failed connection is closed (and counted); the forwarder goes on. A failure that
 * stops it accepting, or leaves the JVM in doubt (a {@link VirtualMachineError}), is reported to
 * its owner, which drains it and exits with a failure.
 */
final class ForwarderServer implements AutoCloseable {

    /** Clients past the limit wait in the backlog; the kernel caps it at {@code somaxconn}. */
    private static final int MIN_BACKLOG = 4096;
    /** How long the acceptor pauses after a failed accept (out of fds) unless a connection ends first. */
    private static final long ACCEPT_RETRY_MILLIS = 100;
    /** How long connections reset at the end of a drain may take to end before the engine is stopped. */
    private static final long CLOSE_MILLIS = 10_000;

    /** How a drain went. */
    record Drained(int open, int reset, long millis) {
    }

    private final ForwarderArgs args;
    private final ServerSocketChannel server;
    private final Selector acceptSelector;
    private final int backlog;
    private final RelayRunner runner;
    private final FdBudget budget;
    private final ConnectionLimit limit;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final ForwarderStats stats = new ForwarderStats();
    private final FailureLog acceptFailures = new FailureLog(Duration.ofSeconds(10));
    private final FailureLog clientFailures = new FailureLog(Duration.ofSeconds(10));
    private final Upstreams upstreams;
    private final Connector connector;
    private final Consumer<Connection> handOver;
    private final Consumer<Throwable> fatal;
    private final Thread acceptor;
    private final Telemetry telemetry;
    private volatile boolean draining;
    private ForwarderBean mbean;
    private HealthChecks healthChecks = HealthChecks.none();

    private ForwarderServer(ForwarderArgs args, ServerSocketChannel server, Selector acceptSelector, int backlog,
            RelayRunner runner, FdBudget budget, ConnectionLimit limit, Telemetry telemetry,
            Consumer<RelayResult> onRelayEnd, Consumer<Throwable> fatal,
            UnaryOperator<Consumer<Connection>> handOverVia) {
        this.args = args;
        this.server = server;
        this.acceptSelector = acceptSelector;
        this.backlog = backlog;
        this.runner = runner;
        this.budget = budget;
        this.limit = limit;
        this.fatal = fatal;
        this.telemetry = telemetry;
        SpliceOptions.Builder builder = SpliceOptions.builder().mode(args.mode()).chunkSize(args.chunkSize());
        args.idleTimeout().ifPresent(builder::idleTimeout);
        this.upstreams = new Upstreams(args.upstream(), System::nanoTime);
        this.connector = new Connector(args, upstreams, runner.options(builder.build()), stats, (connection, result) -> {
            open.remove(connection);
            // Before the place is given back: a drain that saw none open has every line queued.
            telemetry.ended(connection, result);
            limit.release();
            result.ifPresent(onRelayEnd);
        }, this::failed);
        this.handOver = handOverVia.apply(connector::start);
        this.acceptor = Thread.ofPlatform().daemon().name("splice4j-acceptor").unstarted(this::acceptLoop);
    }

    /**
     * Starts the relay runner, binds {@code args.listen()} and starts accepting; {@code onRelayEnd}
     * hears of every relay that ends, {@code fatal} of a failure that stops the forwarder accepting
     * or leaves the JVM in doubt (its owner should drain it and exit with a failure).
     */
    static ForwarderServer start(ForwarderArgs args, Consumer<RelayResult> onRelayEnd, Consumer<Throwable> fatal)
            throws IOException {
        return start(args, onRelayEnd, fatal, UnaryOperator.identity());
    }

    /**
     * {@link #start(ForwarderArgs, Consumer, Consumer)}, with each accepted client handed to the
     * connector through {@code handOverVia} (tests put failures there). A hand-over either takes the
     * client, and then ends it and gives its place back whatever happens, or throws having taken
     * nothing.
     */
    static ForwarderServer start(ForwarderArgs args, Consumer<RelayResult> onRelayEnd, Consumer<Throwable> fatal,
            UnaryOperator<Consumer<Connection>> handOverVia) throws IOException {
        RelayRunner runner = RelayRunner.start(args.loops(), args.chunkSize(), args.mode());
        ServerSocketChannel server = null;
        Selector selector = null;
        Telemetry telemetry = null;
        try {
            telemetry = Telemetry.start(args.ops());
            FdBudget budget = FdBudget.ofThisProcess(runner.pipeFds(), args.loops());
            ConnectionLimit limit = new ConnectionLimit(args.maxConnections().orElse(
                    Math.min(budget.maxConnections(), HeapBudget.ofThisProcess().maxConnections())));
            int backlog = Math.max(MIN_BACKLOG, limit.max());
            server = listen(args, backlog);
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            ForwarderServer forwarder = new ForwarderServer(args, server, selector, backlog, runner, budget, limit,
                    telemetry, onRelayEnd, fatal, handOverVia);
            telemetry.serveMetrics(args.ops(), new ForwarderMetrics(forwarder.stats, telemetry, forwarder.open, limit,
                    runner.engine(), forwarder.upstreams.servers()));
            // Registered before the first client: it starts the platform MBean server (~10 MB and a
            // few hundred ms), which must not land on traffic; the library's own beans follow.
            forwarder.mbean = forwarder.registerMBean();
            Splice.metrics();
            forwarder.healthChecks = HealthChecks.start(forwarder.upstreams, args.upstream().healthCheck(),
                    new UpstreamDialer(args.connectTimeout()));
            forwarder.acceptor.start();
            return forwarder;
        } catch (IOException | RuntimeException e) {
            if (selector != null) {
                selector.close();
            }
            if (server != null) {
                server.close();
                removeSocketFile(args);
            }
            if (telemetry != null) {
                telemetry.close();
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
        return ForwarderBean.register(name, stats, open::size, limit::episodes, upstreams::figures);
    }

    private static ServerSocketChannel listen(ForwarderArgs args, int backlog) throws IOException {
        Path path = Endpoints.unixPath(args.listen());
        return path == null ? args.ops().listen(args.listen(), backlog)
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
                : limit.max() + " (the least of: " + budget.explain() + "; " + HeapBudget.ofThisProcess().explain() + ")";
        return "forwarding " + Endpoints.text(address()) + " -> " + upstreams.describe() + proxy()
                + ", mode " + args.mode() + ", "
                + runner.describe() + ", max connections " + max + ", connect timeout "
                + ForwarderArgs.format(args.connectTimeout()) + ", idle timeout "
                + args.idleTimeout().map(ForwarderArgs::format).orElse("none") + ", drain timeout "
                + ForwarderArgs.format(args.drainTimeout()) + args.ops().describe() + telemetry.describe()
                + ", zero-copy "
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
        String dropped = ForwarderLog.dropped() == 0 ? ""
                : "\n  log lines dropped (the log's destination fell behind): " + ForwarderLog.dropped();
        return stats.summary() + "\n  " + limit.summary() + upstreams.summary() + dropped + telemetry.summary();
    }

    /** Where {@code /metrics} is served, if it is. */
    Optional<InetSocketAddress> metricsAddress() {
        return telemetry.metricsAddress();
    }

    /** Clients closed for their PROXY header so far. */
    long proxyHeadersRejected() {
        return stats.proxyHeadersRejected();
    }

    /** Clients closed for their TLS ClientHello so far. */
    long tlsHellosRejected() {
        return stats.hellosRejected();
    }

    /** Clients closed so far because no route took their server name and there is no default group. */
    long sniRejections() {
        return stats.sniRejections();
    }

    /** Connections accepted and not yet ended: connecting upstream or relayed. */
    int openConnections() {
        return open.size();
    }

    /**
     * Accepts until the drain starts: then it takes the clients already waiting in the backlog (as
     * far as the limit and the backlog's size allow), closes the listener, and ends. Each client
     * is tried first and waited for only when none is waiting, as a poller that treats a socket as
     * ready until it says {@code EAGAIN}; the wait also ends a quiet episode at the limit in time.
     */
    private void acceptLoop() {
        long acceptedCount = 0;
        int takenWhileDraining = 0;
        try {
            while (limit.awaitPlace() && takenWhileDraining < backlog) {
                SocketChannel client;
                try {
                    client = server.accept();
                } catch (ClosedChannelException e) {
                    throw new IOException("the listening socket was closed", e);
                } catch (IOException e) {
                    acceptFailed(e);
                    continue;
                }
                if (client == null) {
                    if (draining) {
                        break;
                    }
                    long wait = limit.endEpisodeIfQuiet();
                    acceptSelector.select(Math.max(0, wait));
                    acceptSelector.selectedKeys().clear();
                    continue;
                }
                takenWhileDraining += draining ? 1 : 0;
                serve(client, ++acceptedCount);
            }
        } catch (IOException | RuntimeException | Error e) {
            if (!draining) {
                failed(e);
            }
        } catch (InterruptedException e) {
            // Nobody interrupts the acceptor.
        } finally {
            closeListener();
        }
    }

    /**
     * Hands one accepted client over. Whatever fails before the connector has taken it ends that
     * client only: it is closed and its place given back; a {@link VirtualMachineError} is reported
     * as fatal besides.
     */
    private void serve(SocketChannel client, long number) {
        limit.opened();
        Connection connection = null;
        try {
            stats.accepted();
            connection = unixClient(client, number);
            open.add(connection);
            handOver.accept(connection);
        } catch (RuntimeException | Error e) {
            if (connection != null) {
                open.remove(connection);
                telemetry.notTakenIn(connection);
            }
            Connection.closeQuietly(client);
            limit.release();
            stats.notTakenIn();
            clientFailed(e);
        }
    }

    private void clientFailed(Throwable e) {
        String note = clientFailures.failed();
        if (note != null) {
            ForwarderLog.warning("a client could not be taken in: {0}; closing it ({1})", e.toString(), note);
        }
        if (e instanceof VirtualMachineError) {
            failed(e);
        }
    }

    /** Reports a failure that stops this forwarder from serving properly, once. */
    private void failed(Throwable e) {
        ForwarderLog.error("the forwarder can no longer serve reliably: {0}", e.toString());
        fatal.accept(e);
    }

    /** Unix clients have no address: they go by the socket's path and a number in log lines. */
    private Connection unixClient(SocketChannel client, long number) {
        Path path = Endpoints.unixPath(args.listen());
        return path == null ? new Connection(client) : new Connection(client, "unix:" + path + " #" + number);
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

    private void closeListener() {
        try {
            acceptSelector.close();
            server.close();
        } catch (IOException e) {
            ForwarderLog.warning("closing the listener failed: {0}", e.toString());
        } finally {
            removeSocketFile(args);
        }
    }

    /** Drains with no time to finish: every open connection is reset. */
    @Override
    public void close() {
        drain(Duration.ZERO);
    }

    /**
     * Drains: stops accepting (clients already waiting in the backlog are taken in first, then the
     * listener is closed, so that new connects are refused and a Unix socket's file is gone), lets
     * the connections still open end by themselves for up to {@code timeout} or until
     * {@link #endDrainNow()}, resets the rest (RST both ways: their peers see the streams cut short,
     * not ended), and stops the relay runner once all have ended.
     *
     * @return how many were open when the wait began, and how many were reset
     */
    Drained drain(Duration timeout) {
        long start = System.nanoTime();
        int wereOpen = 0;
        int reset = 0;
        try {
            stopAccepting();
            wereOpen = limit.open();
            // The acceptor has stopped, so the set is complete: what a connection still connecting
            // hands over after it is reset is refused and reset by its own thread.
            if (!limit.awaitNoneOpen(timeout.toNanos())) {
                for (Connection connection : open) {
                    reset += connection.close(true) ? 1 : 0;
                }
                limit.awaitNoneOpen(TimeUnit.MILLISECONDS.toNanos(CLOSE_MILLIS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            healthChecks.close();
            runner.close();
            mbean.close();
            telemetry.close();
        }
        stats.drained(reset);
        return new Drained(wereOpen, reset, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * The drain's first step, on its own: returns once the clients already waiting in the backlog
     * are taken in and the listener is closed. Idempotent.
     */
    void stopAccepting() throws InterruptedException {
        draining = true;
        limit.stopAccepting();
        acceptSelector.wakeup();
        acceptor.join();
    }

    /** Ends a drain's wait at once: the connections still open are reset now. */
    void endDrainNow() {
        limit.cutWaits();
    }
}
