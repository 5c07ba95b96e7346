package io.splice4j.tool;

import io.splice4j.ProxyProtocolException;
import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Takes an accepted client the rest of its way: connects it to a server of the default group on a
 * virtual thread (parked while the connect waits: no platform thread per connect), with the tries
 * its {@link UpstreamAttempts} allow, starts its relay, counts how it ended and, with
 * {@code --log-connections}, logs it. With {@code --accept-proxy} it first reads the
 * client's PROXY header on that thread, and a {@link ProxyFront} makes what the relay sends upstream
 * first. Failed connects, rejected headers and header reads that failed on this side (out of fds,
 * say: not the client's doing, so no rejection) are logged through a {@link FailureLog} each.
 */
final class Connector {

    private final ForwarderArgs args;
    private final Upstreams upstreams;
    private final UpstreamDialer dialer;
    private final SpliceOptions options;
    private final ForwarderStats stats;
    private final FailureLog failures = new FailureLog(Duration.ofSeconds(10));
    private final FailureLog rejections = new FailureLog(Duration.ofSeconds(5));
    private final FailureLog headerReadFailures = new FailureLog(Duration.ofSeconds(10));
    private final ProxyFront proxyFront;
    private final BiConsumer<Connection, Optional<RelayResult>> ended;
    private final Consumer<Throwable> fatal;

    /**
     * @param ended hears once of every connection that ended, with its relay's result if it had one
     * @param fatal hears of a {@link VirtualMachineError} on a connect's thread (after its client was
     *     ended): the JVM is in doubt
     */
    Connector(ForwarderArgs args, Upstreams upstreams, SpliceOptions options, ForwarderStats stats,
            BiConsumer<Connection, Optional<RelayResult>> ended, Consumer<Throwable> fatal) {
        this(args, upstreams, options, stats, ended, fatal, new ProxyFront(args.edge()));
    }

    /** With the given {@link ProxyFront}, for tests. */
    Connector(ForwarderArgs args, Upstreams upstreams, SpliceOptions options, ForwarderStats stats,
            BiConsumer<Connection, Optional<RelayResult>> ended, Consumer<Throwable> fatal, ProxyFront proxyFront) {
        this.args = args;
        this.upstreams = upstreams;
        this.dialer = new UpstreamDialer(args.connectTimeout());
        this.options = options;
        this.stats = stats;
        this.ended = ended;
        this.fatal = fatal;
        this.proxyFront = proxyFront;
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
        boolean readingHeader = proxyFront.active();
        UpstreamAttempts attempts = upstreams.attempts(upstreams.defaultGroup());
        try {
            SpliceOptions relayOptions = options;
            if (readingHeader) {
                ByteBuffer first = proxyFront.open(connection);
                readingHeader = false;
                if (first.hasRemaining()) {
                    relayOptions = options.toBuilder().firstBytesAtoB(first).build();
                }
            }
            args.ops().tune(connection.client());
            upstream = dialer.connect(attempts, connection::upstream);
            UpstreamServer server = attempts.current();
            connection.chosenUpstream(server.address());
            // Keepalive needs no SYN of its own: set once the socket is connected.
            args.ops().tune(upstream);
            Relay relay = Splice.relay(connection.client(), upstream, relayOptions);
            relay.completion().thenAccept(result -> relayEnded(connection, attempts, result));
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
            if (connection.isClosed()) {
                stats.closedWhileConnecting();
            } else if (e instanceof ProxyProtocolException rejected) {
                headerRejected(connection, rejected);
            } else if (readingHeader) {
                headerReadFailed(connection, e);
            } else {
                connectFailed(connection, attempts, e);
            }
            Connection.closeQuietly(upstream);
            connection.close();
            attempts.release();
            ended.accept(connection, Optional.empty());
            reportIfFatal(e);
        }
    }

    private void reportIfFatal(Throwable e) {
        if (e instanceof VirtualMachineError) {
            fatal.accept(e);
        }
    }

    private void headerRejected(Connection connection, ProxyProtocolException e) {
        stats.proxyHeaderRejected();
        connection.endedBeforeRelay(ConnectionEnd.HEADER_REJECTED);
        closing(rejections, connection, "no valid PROXY header: " + e.getMessage());
    }

    private void headerReadFailed(Connection connection, Throwable e) {
        stats.proxyHeaderReadFailed();
        connection.endedBeforeRelay(ConnectionEnd.FAILED);
        closing(headerReadFailures, connection, "can't read its PROXY header: " + e);
    }

    private void connected(Connection connection, UpstreamServer server, SocketChannel upstream) {
        if (args.logConnections()) {
            ForwarderLog.info("client {0}: connected to {1} from {2}", connection.clientAddress(), server.label(),
                    local(upstream));
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
