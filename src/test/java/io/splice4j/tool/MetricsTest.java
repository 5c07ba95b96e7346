package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --metrics-listen}: {@code /metrics} parses as strict Prometheus text 0.0.4, names every
 * family the forwarder promises, and after a run its counters agree with the forwarder's own
 * summary; other paths and methods are refused, and closing the forwarder closes the port.
 */
@Timeout(60)
class MetricsTest {

    /** The families scrapers and dashboards rely on: their names are the interface. */
    static final List<String> FAMILIES = List.of("splice4j_start_time_seconds", "splice4j_connections_accepted_total",
            "splice4j_connections_open", "splice4j_connections_limit", "splice4j_connection_limit_reached_total",
            "splice4j_connections_ended_total", "splice4j_idle_timeouts_total",
            "splice4j_upstream_connect_failures_total", "splice4j_upstream_connect_timeouts_total",
            "splice4j_relayed_bytes_total", "splice4j_relay_directions_total", "splice4j_delivered_bytes_total",
            "splice4j_fallbacks_total", "splice4j_proxy_headers_rejected_total",
            "splice4j_proxy_header_read_failures_total", "splice4j_sni_rejections_total",
            "splice4j_tls_hellos_rejected_total", "splice4j_tls_hello_read_failures_total", "splice4j_pipe_pool_pipes",
            "splice4j_pipe_pool_bytes", "splice4j_pipe_pool_exhaustions_total",
            "splice4j_pipe_pool_resize_refusals_total", "splice4j_log_dropped_lines_total",
            "splice4j_server_up", "splice4j_server_active_connections", "splice4j_server_connect_failures_total");

    @Test
    void afterARunTheCountersAgreeWithTheSummary() throws Exception {
        int connections = 6;
        long size = 1L << 20;
        try (EchoServer echo = new EchoServer();
             ForwarderServer forwarder = start("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(),
                     "--metrics-listen", "127.0.0.1:0")) {
            URI metrics = uri(forwarder, "/metrics");
            assertTrue(forwarder.describe().contains(", metrics on " + metrics + ", "), forwarder.describe());
            for (int i = 0; i < connections; i++) {
                EchoTraffic.roundTrip(forwarder.address(), size);
            }
            Map<String, PrometheusTextParser.Family> families = awaitEnded(metrics, connections);
            assertEquals(FAMILIES, List.copyOf(families.keySet()), "the families, in order");

            String summary = forwarder.summary();
            assertEquals(summaryNumber(summary, "splice4j summary: (\\d+) connections"),
                    value(families, "splice4j_connections_accepted_total"));
            assertEquals(summaryNumber(summary, "bytes client->upstream (\\d+)"),
                    value(families, "splice4j_relayed_bytes_total", "direction", "client_to_upstream"));
            assertEquals(summaryNumber(summary, "upstream->client (\\d+)"),
                    value(families, "splice4j_relayed_bytes_total", "direction", "upstream_to_client"));
            assertEquals(summaryNumber(summary, "\\((\\d+) completed"),
                    value(families, "splice4j_connections_ended_total", "reason", "completed"));
            assertEquals(summaryNumber(summary, "directions by path: ZERO_COPY=(\\d+)"),
                    value(families, "splice4j_relay_directions_total", "path", "zero_copy"));
            assertEquals(connections, value(families, "splice4j_connections_accepted_total"));
            assertEquals(connections * size, value(families, "splice4j_relayed_bytes_total", "direction",
                    "client_to_upstream"));
            assertEquals(0, value(families, "splice4j_connections_open"));
            assertTrue(value(families, "splice4j_delivered_bytes_total", "path", "spliced")
                    + value(families, "splice4j_delivered_bytes_total", "path", "copied") >= 2 * connections * size,
                    "the library delivered both ways");
            assertEquals(0, value(families, "splice4j_server_active_connections", "server",
                    "127.0.0.1:" + echo.port()));
            assertEquals(0, value(families, "splice4j_server_connect_failures_total", "server",
                    "127.0.0.1:" + echo.port()));
            assertEquals(0, value(families, "splice4j_log_dropped_lines_total", "log", "access"));
            assertEquals(ConnectionEnd.values().length, families.get("splice4j_connections_ended_total").samples()
                    .size(), "every reason, zeros too");
        }
    }

    @Test
    void aRefusedUpstreamIsCountedForItsServer() throws Exception {
        int closedPort;
        try (ServerSocketChannel nothing = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            closedPort = nothing.socket().getLocalPort();
        }
        try (ForwarderServer forwarder = start("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + closedPort,
                "--metrics-listen", "127.0.0.1:0")) {
            try (SocketChannel client = SocketChannel.open(forwarder.address())) {
                Wire.awaitEnd(client, 10, "the client of a refused upstream is closed");
            }
            Map<String, PrometheusTextParser.Family> families = awaitEnded(uri(forwarder, "/metrics"), 1);
            String server = "127.0.0.1:" + closedPort;
            assertEquals(1, value(families, "splice4j_server_connect_failures_total", "server", server));
            assertEquals(1, value(families, "splice4j_upstream_connect_failures_total"));
            assertEquals(1, value(families, "splice4j_connections_ended_total", "reason", "connect_failed"));
        }
    }

    @Test
    void onlyGetAndHeadOfMetricsAreServedAndClosingClosesThePort() throws Exception {
        URI metrics;
        try (ForwarderServer forwarder = start("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:1",
                "--metrics-listen", "127.0.0.1:0")) {
            metrics = uri(forwarder, "/metrics");
            Http.Response get = Http.get(metrics);
            assertEquals(200, get.status());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", get.contentType());
            Http.Response head = Http.send("HEAD", metrics);
            assertEquals(200, head.status());
            assertEquals("", head.body());
            Http.Response post = Http.send("POST", metrics);
            assertEquals(405, post.status());
            assertEquals("GET, HEAD", post.allow());
            assertEquals(404, Http.get(uri(forwarder, "/")).status());
            assertEquals(404, Http.get(uri(forwarder, "/metrics/x")).status());
        }
        InetSocketAddress closed = new InetSocketAddress(metrics.getHost(), metrics.getPort());
        assertThrows(ConnectException.class, () -> SocketChannel.open(closed).close(), "the port is closed");
    }

    @Test
    void aTakenPortStopsTheStartNamingTheFlag() throws Exception {
        try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            IOException refused = assertThrows(IOException.class, () -> start("--listen", "127.0.0.1:0", "--connect",
                    "127.0.0.1:1", "--metrics-listen", "127.0.0.1:" + taken.socket().getLocalPort()));
            assertEquals("--metrics-listen 127.0.0.1:" + taken.socket().getLocalPort() + ": Address already in use",
                    refused.getMessage());
        }
    }

    /**
     * Scrapes until every accepted connection is counted as ended (its relay's end is counted on
     * the loop thread just after the forwarder lets it go), then returns the parsed scrape.
     */
    private static Map<String, PrometheusTextParser.Family> awaitEnded(URI metrics, long connections) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            Http.Response response = Http.get(metrics);
            assertEquals(200, response.status());
            Map<String, PrometheusTextParser.Family> families = PrometheusTextParser.parse(response.body());
            double ended = families.get("splice4j_connections_ended_total").samples().stream()
                    .mapToDouble(PrometheusTextParser.Sample::value).sum();
            if (ended == connections && value(families, "splice4j_connections_accepted_total") == connections) {
                return families;
            }
            assertTrue(System.nanoTime() - deadline < 0, "not all ended within 10 s:\n" + response.body());
        }
    }

    private static double value(Map<String, PrometheusTextParser.Family> families, String family, String... labels) {
        assertTrue(families.containsKey(family), family);
        return families.get(family).value(labels);
    }

    private static double summaryNumber(String summary, String pattern) {
        Matcher matcher = Pattern.compile(pattern).matcher(summary);
        assertTrue(matcher.find(), pattern + " in " + summary);
        return Long.parseLong(matcher.group(1));
    }

    private static URI uri(ForwarderServer forwarder, String path) {
        InetSocketAddress address = forwarder.metricsAddress().orElseThrow();
        return URI.create("http://" + Endpoints.written(address) + path);
    }

    private static ForwarderServer start(String... args) throws IOException {
        return ForwarderServer.start(ForwarderArgs.parse(args), result -> { }, Throwable::printStackTrace);
    }
}
