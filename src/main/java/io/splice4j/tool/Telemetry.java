package io.splice4j.tool;

import io.splice4j.RelayResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the forwarder reports beyond its summary: how each connection ended, counted by
 * {@link ConnectionEnd} and by upstream server, its line in the access log ({@code --access-log}),
 * and all of it and the summary's counters at {@code /metrics} ({@code --metrics-listen}). It hears
 * of every connection once, when it ends, on the thread that ends it, and never blocks that thread.
 */
final class Telemetry implements AutoCloseable {

    /** How long closing waits for the access log's writer to catch up. */
    private static final Duration FLUSH = Duration.ofSeconds(2);

    private final Map<ConnectionEnd, LongAdder> ends = new EnumMap<>(ConnectionEnd.class);
    private final AccessLog accessLog;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile MetricsEndpoint metrics;

    private Telemetry(AccessLog accessLog) {
        this.accessLog = accessLog;
        for (ConnectionEnd end : ConnectionEnd.values()) {
            ends.put(end, new LongAdder());
        }
    }

    /**
     * Opens what {@code ops} asks for.
     *
     * @throws IOException naming the flag if the access log can't be opened
     */
    static Telemetry start(OpsOptions ops) throws IOException {
        return new Telemetry(ops.accessLog().isPresent() ? AccessLog.open(ops.accessLog().get()) : null);
    }

    /**
     * Serves {@code metrics} at {@code --metrics-listen}, if asked.
     *
     * @throws IOException naming the flag if it can't listen there
     */
    void serveMetrics(OpsOptions ops, ForwarderMetrics exposition) throws IOException {
        if (ops.metricsListen().isPresent()) {
            metrics = MetricsEndpoint.start(ops.metricsListen().get(), exposition::exposition);
        }
    }

    /** Where {@code /metrics} is served, if it is. */
    Optional<InetSocketAddress> metricsAddress() {
        MetricsEndpoint endpoint = metrics;
        return endpoint == null ? Optional.empty() : Optional.of(endpoint.address());
    }

    /** A connection ended: by its relay's result, or with none. */
    void ended(Connection connection, Optional<RelayResult> result) {
        ConnectionEnd end = ConnectionEnd.of(connection, result);
        ends.get(end).increment();
        if (accessLog != null) {
            accessLog.ended(connection, result, end);
        }
    }

    /** A connection the forwarder failed to take in (to hand to its connector) ended. */
    void notTakenIn(Connection connection) {
        connection.endedBeforeRelay(ConnectionEnd.FAILED);
        ended(connection, Optional.empty());
    }

    /** Connections that ended this way so far. */
    long ended(ConnectionEnd end) {
        return ends.get(end).sum();
    }

    /** Access log lines lost so far: dropped, or lost to a failed write. */
    long accessLogDropped() {
        return accessLog == null ? 0 : accessLog.dropped();
    }

    /** For the start line: where the metrics are served and the access log goes, or nothing. */
    String describe() {
        return metricsAddress().map(address -> ", metrics on http://" + Endpoints.written(address)
                + MetricsEndpoint.PATH).orElse("") + (accessLog == null ? "" : ", access log to " + accessLog.target());
    }

    /** For the summary: the access log's losses, if any. */
    String summary() {
        return accessLogDropped() == 0 ? ""
                : "\n  access log lines dropped (its destination fell behind or failed): " + accessLogDropped();
    }

    /**
     * Stops serving metrics, writes out what the access log still holds (waiting a little for a
     * slow destination) and closes it; idempotent.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        if (metrics != null) {
            metrics.close();
        }
        if (accessLog != null) {
            accessLog.flush(FLUSH);
            accessLog.close();
        }
    }
}
