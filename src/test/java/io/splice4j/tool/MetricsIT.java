package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged forwarder's {@code --metrics-listen}, scraped with {@code curl} as the docs show: the
 * text parses strictly and its counters match the summary printed at SIGTERM. On the module path,
 * where {@code jdk.httpserver} and {@code jdk.net} are only there if asked for, the flags that need
 * them say so and exit 2, and work once the module is added.
 */
class MetricsIT {

    private static final Pattern METRICS = Pattern.compile(", metrics on (http://127\\.0\\.0\\.1:\\d+/metrics), ");

    @Test
    @Timeout(60)
    void curlScrapesTheCountersOfTheSummary() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is installed");
        int connections = 5;
        long size = 4L << 20;
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + echo.port(),
                     "--metrics-listen", "127.0.0.1:0")) {
            String banner = jar.nextLine();
            Matcher metrics = METRICS.matcher(banner);
            assertTrue(metrics.find(), banner);
            InetSocketAddress forwarder = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    ForwarderJar.port(banner));
            for (int i = 0; i < connections; i++) {
                EchoTraffic.roundTrip(forwarder, size);
            }
            assertTrue(echo.awaitNoneOpen(10));
            Map<String, PrometheusTextParser.Family> families = awaitAllEnded(metrics.group(1), connections);
            assertEquals(0, jar.terminate(), jar.stderr());
            String summary = jar.stdout();
            assertTrue(summary.contains("splice4j summary: " + connections + " connections (" + connections
                    + " completed"), summary);
            long bytes = connections * size;
            assertTrue(summary.contains("bytes client->upstream " + bytes + ", upstream->client " + bytes), summary);
            assertEquals(connections, families.get("splice4j_connections_accepted_total").value());
            assertEquals(bytes, families.get("splice4j_relayed_bytes_total").value("direction", "client_to_upstream"));
            assertEquals(bytes, families.get("splice4j_relayed_bytes_total").value("direction", "upstream_to_client"));
            assertEquals(connections, families.get("splice4j_connections_ended_total").value("reason", "completed"));
            assertEquals(2 * connections, families.get("splice4j_relay_directions_total").value("path", "zero_copy"));
            assertEquals(MetricsTest.FAMILIES, List.copyOf(families.keySet()));
        }
    }

    @Test
    @Timeout(60)
    void onTheModulePathTheFlagsNameTheModulesTheyNeed() throws Exception {
        List<String> base = List.of("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:1");
        Run metrics = run(List.of(), base, "--metrics-listen", "127.0.0.1:0");
        assertEquals(2, metrics.status(), metrics.output());
        assertTrue(metrics.output().startsWith("splice4j: --metrics-listen needs the module jdk.httpserver, which this "
                + "runtime does not load (add --add-modules jdk.httpserver)\n"), metrics.output());
        Run keepalive = run(List.of(), base, "--keepalive", "60s,10s,5");
        assertEquals(2, keepalive.status(), keepalive.output());
        assertTrue(keepalive.output().startsWith("splice4j: --keepalive needs the module jdk.net, which this runtime "
                + "does not load (add --add-modules jdk.net)\n"), keepalive.output());
        Run added = run(List.of("--add-modules", "jdk.httpserver,jdk.net"), base, "--metrics-listen", "127.0.0.1:0",
                "--keepalive", "60s,10s,5", "--help");
        assertEquals(0, added.status(), added.output());
    }

    /** Scrapes with curl until every connection is counted as ended, and parses the text strictly. */
    private static Map<String, PrometheusTextParser.Family> awaitAllEnded(String url, int connections)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            Run curl = command(List.of("curl", "--silent", "--show-error", "--fail", url));
            assertEquals(0, curl.status(), curl.output());
            Map<String, PrometheusTextParser.Family> families = PrometheusTextParser.parse(curl.output());
            if (families.get("splice4j_connections_ended_total").value("reason", "completed") == connections) {
                return families;
            }
            assertTrue(System.nanoTime() - deadline < 0, curl.output());
        }
    }

    /** The forwarder as a named module, from the packaged jar, with {@code options} before {@code -m}. */
    private static Run run(List<String> options, List<String> base, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=io.splice4j"));
        command.addAll(options);
        command.addAll(List.of("--module-path", ForwarderJar.JAR.toString(), "--module", "io.splice4j"));
        command.addAll(base);
        command.addAll(List.of(args));
        return command(command);
    }

    /** What a command printed (standard output and error) and its exit status. */
    private record Run(int status, String output) {
    }

    private static Run command(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "finished: " + command);
            return new Run(process.exitValue(), output);
        } finally {
            process.destroyForcibly();
        }
    }
}
