package io.splice4j.tool;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMetrics;
import io.splice4j.TransferPath;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a forwarder serves at {@code /metrics} ({@link PrometheusText}): the counters of its summary,
 * how connections ended, the library's bytes by path and fallbacks, the engine's pipe pool, the
 * logs' losses, and per upstream server its connections and failed connects. Read live on the
 * scraping thread; counters count from the forwarder's start.
 */
final class ForwarderMetrics {

    private final ForwarderStats stats;
    private final Telemetry telemetry;
    private final Collection<Connection> open;
    private final ConnectionLimit limit;
    private final Optional<SpliceEngine> engine;
    private final List<UpstreamServer> servers;
    private final BigDecimal startTime = BigDecimal.valueOf(System.currentTimeMillis(), 3);

    /**
     * @param open the connections open now
     * @param engine the engine that runs the relays, if one does
     * @param servers the upstream servers
     */
    ForwarderMetrics(ForwarderStats stats, Telemetry telemetry, Collection<Connection> open, ConnectionLimit limit,
            Optional<SpliceEngine> engine, List<UpstreamServer> servers) {
        this.stats = stats;
        this.telemetry = telemetry;
        this.open = open;
        this.limit = limit;
        this.engine = engine;
        this.servers = servers;
    }

    /** The metrics now, in the text format. */
    String exposition() {
        PrometheusText text = new PrometheusText();
        text.gauge("splice4j_start_time_seconds", "When the forwarder started, in seconds since the Unix epoch.")
                .sample(startTime);
        connections(text);
        bytes(text);
        rejections(text);
        pipePool(text);
        text.counter("splice4j_log_dropped_lines_total", "Log lines dropped because their destination fell behind "
                + "(or, for the access log, failed).")
                .sample("log", "forwarder", ForwarderLog.dropped())
                .sample("log", "access", telemetry.accessLogDropped());
        servers(text);
        return text.toString();
    }

    /** Connections: accepted, open, the limit, how they ended, timeouts and failed connects. */
    private void connections(PrometheusText text) {
        text.counter("splice4j_connections_accepted_total", "Clients accepted.").sample(stats.acceptedCount());
        text.gauge("splice4j_connections_open", "Connections accepted and not yet ended: connecting upstream or "
                + "relayed.").sample(open.size());
        text.gauge("splice4j_connections_limit", "The most connections served at once.").sample(limit.max());
        text.counter("splice4j_connection_limit_reached_total", "Times the forwarder stopped accepting at its "
                + "connection limit.").sample(limit.episodes());
        text.counter("splice4j_connections_ended_total", "Connections ended, by how they ended (as the access log "
                + "names it).");
        for (ConnectionEnd end : ConnectionEnd.values()) {
            text.sample("reason", end.wireName(), telemetry.ended(end));
        }
        text.counter("splice4j_idle_timeouts_total", "Connections ended by --idle-timeout.")
                .sample(telemetry.ended(ConnectionEnd.IDLE_TIMEOUT));
        text.counter("splice4j_upstream_connect_failures_total", "Upstream connects that failed, timeouts included.")
                .sample(stats.upstreamFailures());
        text.counter("splice4j_upstream_connect_timeouts_total", "Upstream connects that ran out of "
                + "--connect-timeout.").sample(stats.connectTimeouts());
    }

    /** Bytes each way and by path, and the library's fallbacks. */
    private void bytes(PrometheusText text) {
        text.counter("splice4j_relayed_bytes_total", "Bytes relayed by connections that ended, each way.")
                .sample("direction", "client_to_upstream", stats.bytesClientToUpstream())
                .sample("direction", "upstream_to_client", stats.bytesUpstreamToClient());
        text.counter("splice4j_relay_directions_total", "Relay directions that ended, by the path their bytes took.")
                .sample("path", "zero_copy", stats.directions(TransferPath.ZERO_COPY))
                .sample("path", "portable", stats.directions(TransferPath.PORTABLE));
        SpliceMetrics library = stats.library();
        text.counter("splice4j_delivered_bytes_total", "Bytes delivered, live: spliced by splice(2) or copied "
                + "through user space.")
                .sample("path", "spliced", library.bytesSpliced())
                .sample("path", "copied", library.bytesCopied());
        text.counter("splice4j_fallbacks_total", "Transfers that could not splice and copied, by reason.");
        for (FallbackReason reason : FallbackReason.values()) {
            text.sample("reason", reason.name().toLowerCase(Locale.ROOT), library.fallbacks(reason));
        }
    }

    /** Clients closed for what they sent first. */
    private void rejections(PrometheusText text) {
        text.counter("splice4j_proxy_headers_rejected_total", "Clients closed for a malformed, incomplete or late "
                + "PROXY header.").sample(stats.proxyHeadersRejected());
        text.counter("splice4j_proxy_header_read_failures_total", "Clients closed because reading their PROXY header "
                + "failed on the forwarder's side (out of fds, say).").sample(stats.proxyHeaderReadFailures());
        text.counter("splice4j_sni_rejections_total", "Clients closed for the TLS server name they asked for, or "
                + "none: no route took it and there is no default group.").sample(stats.sniRejections());
        text.counter("splice4j_tls_hellos_rejected_total", "Clients closed for a malformed, incomplete or late TLS "
                + "ClientHello, or none at all (with --sni-route).").sample(stats.hellosRejected());
        text.counter("splice4j_tls_hello_read_failures_total", "Clients closed because reading their TLS ClientHello "
                + "failed on the forwarder's side.").sample(stats.helloReadFailures());
    }

    /** The engine's pipe pool; zeros where relays run on virtual threads. */
    private void pipePool(PrometheusText text) {
        text.gauge("splice4j_pipe_pool_pipes", "Pipes the engine has open, in use or pooled.")
                .sample(engine.map(SpliceEngine::openPipes).orElse(0));
        text.gauge("splice4j_pipe_pool_bytes", "Capacity of the pipes the engine has open.")
                .sample(engine.map(SpliceEngine::openPipeBytes).orElse(0L));
        text.counter("splice4j_pipe_pool_exhaustions_total", "Chunks copied because the engine's pipe pool had no "
                + "pipe.").sample(engine.map(SpliceEngine::poolExhaustions).orElse(0L));
        text.counter("splice4j_pipe_pool_resize_refusals_total", "New pipes the kernel made smaller than asked.")
                .sample(engine.map(SpliceEngine::pipeResizeRefusals).orElse(0));
    }

    /**
     * One series per upstream server, labelled {@code server} as {@code --connect} names it
     * ({@code NAME=HOST:PORT} in a named group): its state from passive and active checks, its open
     * connections, its failed connects.
     */
    private void servers(PrometheusText text) {
        text.gauge("splice4j_server_up", "1 while an upstream server takes clients, 0 while it is down.");
        for (UpstreamServer server : servers) {
            text.sample("server", server.written(), server.up() ? 1 : 0);
        }
        text.gauge("splice4j_server_active_connections", "Open connections sent to each upstream server.");
        for (UpstreamServer server : servers) {
            text.sample("server", server.written(), server.active());
        }
        text.counter("splice4j_server_connect_failures_total", "Failed connects to each upstream server.");
        for (UpstreamServer server : servers) {
            text.sample("server", server.written(), server.connectsFailed());
        }
    }
}
