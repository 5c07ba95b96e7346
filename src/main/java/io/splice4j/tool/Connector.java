package io.splice4j.tool;

import io.splice4j.ProxyProtocolException;
import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import io.splice4j.TlsClientHelloException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Takes an accepted client the rest of its way on a virtual thread (parked while it waits: no
 * platform thread per client): with {@code --accept-proxy} reads its PROXY header ({@link ProxyFront}),
 * with {@code --sni-route} its TLS ClientHello and picks its group by the server name ({@link SniFront}),
 * else takes the default group; connects it to a server of that group with the tries its
 * {@link UpstreamAttempts} allow, starts its relay with what was read (after a {@code --send-proxy}
 * header) to go upstream first, counts how it ended and, with {@code --log-connections}, logs it.
 * Failed connects, rejected headers and hellos, clients no route takes, and reads that failed on
 * this side (out of fds, say: not the client's doing, so no rejection) are logged through a
 * {@link FailureLog} each.
 */
final class Connector {

    /** How far a client got: what a failure before its relay is blamed on. */
    private enum Step { PROXY_HEADER, HELLO, CONNECT }

    private final ForwarderArgs args;
    private final Upstreams upstreams;
    private final UpstreamDialer dialer;
    private final SpliceOptions options;
    private final ForwarderStats stats;
    private final FailureLog failures = new FailureLog(Duration.ofSeconds(10));
    private final FailureLog rejections = new FailureLog(Duration.ofSeconds(5));
    private final FailureLog helloRejections = new FailureLog(Duration.ofSeconds(5));
    private final FailureLog unrouted = new FailureLog(Duration.ofSeconds(5));
    private final FailureLog readFailures = new FailureLog(Duration.ofSeconds(10));
    private final ProxyFront proxyFront;
    private final SniFront sniFront;
    private final BiConsumer<Connection, Optional<RelayResult>> ended;
    private final Consumer<Throwable> fatal;

    /**
     * @param ended hears once of every connection that ended, with its relay's result if it had one
     * @param fatal hears of a {@link VirtualMachineError} on a connect's thread (after its client was
     *     ended): the JVM is in doubt
     */
    Connector(ForwarderArgs args, Upstreams upstreams, SpliceOptions options, ForwarderStats stats,
            BiConsumer<Connection, Optional<RelayResult>> ended, Consumer<Throwable> fatal) {
        this(args, upstreams, options, stats, ended, fatal, new ProxyFront(args.edge()), new SniFront(upstreams));
    }

    /** With the given fronts, for tests. */
    Connector(ForwarderArgs args, Upstreams upstreams, SpliceOptions options, ForwarderStats stats,
            BiConsumer<Connection, Optional<RelayResult>> ended, Consumer<Throwable> fatal, ProxyFront proxyFront,
            SniFront sniFront) {
        this.args = args;
        this.upstreams = upstreams;
        this.dialer = new UpstreamDialer(args.connectTimeout());
        this.options = options;
        this.stats = stats;
        this.ended = ended;
        this.fatal = fatal;
        this.proxyFront = proxyFront;
        this.sniFront = sniFront;
    }

    /**
     * Starts connecting {@code connection} on a virtual thread of its own, which from then on ends
     * it whatever happens; if no thread can be started it throws, having taken nothing.
     */
    void start(Connection connection) {
        Thread.ofVirtual().name("splice4j-connect").start(() -> connect(connection));
    }

    private void connect(Connection connection) {
        SocketChannel upstream = null;
        boolean relayEnds = false;
        Step step = Step.PROXY_HEADER;
        UpstreamAttempts attempts = null;
        try {
            ProxyFront.Opened opened = proxyFront.open(connection);
            step = Step.HELLO;
            SniFront.Routed routed = sniFront.route(connection, opened.pastHeader());
            attempts = upstreams.attempts(routed.group());
            step = Step.CONNECT;
            ByteBuffer first = opened.upstreamFirst(routed.clientBytes());
            SpliceOptions relayOptions = first.hasRemaining() ? options.toBuilder().firstBytesAtoB(first).build()
                    : options;
            args.ops().tune(connection.client());
            upstream = dialer.connect(attempts, connection::upstream);
            UpstreamServer server = attempts.current();
            connection.chosenUpstream(server.address());
            // Keepalive needs no SYN of its own: set once the socket is connected.
            args.ops().tune(upstream);
            Relay relay = Splice.relay(connection.client(), upstream, relayOptions);
            UpstreamAttempts relayed = attempts;
            relay.completion().thenAccept(result -> relayEnded(connection, relayed, result));
            // From here the relay's end ends the connection.
            relayEnds = true;
            if (!connection.relay(relay)) {
                connection.endLate(relay);
            }
            connected(connection, server, upstream);
        } catch (Throwable e) {
            if (relayEnds) {
                connection.close();
                reportIfFatal(e);
                return;
            }
            // Out of fds even loading a class may fail: the client must still be closed. Counted
            // and logged before the client sees its connection end, which may be the moment it
            // stops the forwarder.
            notBeforeRelay(connection, step, attempts, e);
            Connection.closeQuietly(upstream);
            connection.close();
            if (attempts != null) {
                attempts.release();
            }
            ended.accept(connection, Optional.empty());
            reportIfFatal(e);
        }
    }

    /** Counts and logs a client that ended at {@code step}, before its relay, for {@code e}. */
    private void notBeforeRelay(Connection connection, Step step, UpstreamAttempts attempts, Throwable e) {
        if (connection.isClosed()) {
            stats.closedWhileConnecting();
        } else if (e instanceof ProxyProtocolException rejected) {
            stats.proxyHeaderRejected();
            closedEarly(connection, ConnectionEnd.HEADER_REJECTED, rejections, "no valid PROXY header: "
                    + rejected.getMessage());
        } else if (e instanceof TlsClientHelloException rejected) {
            stats.helloRejected();
            closedEarly(connection, ConnectionEnd.HEADER_REJECTED, helloRejections, "no valid TLS ClientHello: "
                    + rejected.getMessage());
        } else if (e instanceof SniFront.NoRouteException noRoute) {
            stats.sniRejected();
            closedEarly(connection, ConnectionEnd.SNI_REJECTED, unrouted, noRoute.getMessage());
        } else if (step == Step.PROXY_HEADER) {
            stats.proxyHeaderReadFailed();
            closedEarly(connection, ConnectionEnd.FAILED, readFailures, "can't read its PROXY header: " + e);
        } else if (step == Step.HELLO) {
            stats.helloReadFailed();
            closedEarly(connection, ConnectionEnd.FAILED, readFailures, "can't read its TLS ClientHello: " + e);
        } else {
            connectFailed(connection, attempts, e);
        }
    }

    private void reportIfFatal(Throwable e) {
        if (e instanceof VirtualMachineError) {
            fatal.accept(e);
        }
    }

    /** Notes how a client ended before its relay, and logs why it is closed as often as {@code log} allows. */
    private void closedEarly(Connection connection, ConnectionEnd end, FailureLog log, String why) {
        connection.endedBeforeRelay(end);
        closing(log, connection, why);
    }

    private void connected(Connection connection, UpstreamServer server, SocketChannel upstream) {
        if (args.logConnections()) {
            String name = connection.serverName();
            ForwarderLog.info("client {0}: connected to {1} from {2}{3}", connection.clientAddress(), server.label(),
                    local(upstream), name == null ? "" : " for TLS server name " + name);
        }
    }

    /** Every try failed ({@link UpstreamConnectException}), or the relay could not start on the upstream socket. */
    private void connectFailed(Connection connection, UpstreamAttempts attempts, Throwable e) {
        connection.endedBeforeRelay(ConnectionEnd.CONNECT_FAILED);
        if (attempts.lastTried() != null) {
            connection.chosenUpstream(attempts.lastTried().address());
        }
        if (e instanceof UpstreamConnectException tries) {
            stats.upstreamFailed(tries.timedOut());
            closing(failures, connection, "can't connect to " + tries.getMessage());
            return;
        }
        stats.upstreamFailed(false);
        UpstreamServer server = attempts.current();
        closing(failures, connection, "can't connect to " + (server == null ? "the upstream" : server.label()) + ": "
                + e);
    }

    /** Logs why a client is being closed: as a warning as often as {@code log} allows, else with --log-connections. */
    private void closing(FailureLog log, Connection connection, String why) {
        String note = log.failed();
        if (note != null) {
            ForwarderLog.warning("client {0}: {1}; closing the client ({2})", connection.clientAddress(), why, note);
        } else if (args.logConnections()) {
            ForwarderLog.info("client {0}: {1}; closing the client", connection.clientAddress(), why);
        }
    }

    private void relayEnded(Connection connection, UpstreamAttempts attempts, RelayResult result) {
        attempts.release();
        stats.record(result);
        if (args.logConnections()) {
            ForwarderLog.info("client {0}: {1}{2}, {3} bytes to upstream ({4}), {5} bytes back ({6})",
                    connection.clientAddress(), result.end(), result.failure().map(f -> " (" + f + ")").orElse(""),
                    result.aToB().bytes(), result.aToB().path(), result.bToA().bytes(), result.bToA().path());
        }
        ended.accept(connection, Optional.of(result));
    }

    private static String local(SocketChannel channel) {
        try {
            return Endpoints.text(channel.getLocalAddress());
        } catch (IOException e) {
            return "(closed)";
        }
    }
}
