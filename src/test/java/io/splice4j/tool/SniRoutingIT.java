package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.it.ProcFs;
import io.splice4j.support.ClientHellos;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged forwarder ({@code java -jar}, its flags in an argument file) as a front end that
 * routes real TLS clients by server name to real TLS servers: every client reaches the server its
 * name routes to and completes its handshake and an echo; the access log, the metrics and the
 * summary say where each went; bad hellos are closed, counted, and leave no fd behind in the
 * forwarder's process; without a default group, clients no route takes are closed and counted.
 */
@Timeout(120)
class SniRoutingIT {

    private static final Pattern METRICS = Pattern.compile(", metrics on (http://127\\.0\\.0\\.1:\\d+/metrics)");
    private static final int BAD_HELLOS = 200;

    @TempDir
    static Path keys;

    @TempDir
    Path directory;

    private static SniFrontEnd servers;

    @BeforeAll
    static void startServers() throws Exception {
        servers = SniFrontEnd.start(keys);
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void aFrontEndFromAnArgumentFileRoutesEveryClientAndLeaksNoFdOnBadHellos() throws Exception {
        List<String> lines = new ArrayList<>(List.of("# three routes and a default group", "--listen 127.0.0.1:0"));
        List<String> flags = servers.flags();
        for (int i = 0; i < flags.size(); i += 2) {
            lines.add(flags.get(i) + " " + flags.get(i + 1));
        }
        lines.addAll(List.of("--sni-timeout 300ms", "--access-log -", "--metrics-listen 127.0.0.1:0"));
        Path arguments = Files.write(directory.resolve("front-end.args"), lines);
        List<Integer> before = servers.handshakes();
        try (ForwarderJar jar = new ForwarderJar("@" + arguments)) {
            String banner = jar.nextLine();
            assertTrue(banner.contains(" -> /" + servers.fallback.endpoint() + " (balance roundrobin, retries 2, group "
                    + "api: /" + servers.api.endpoint() + ", sni api.example.test -> group api, sni exact.wild.test -> /"
                    + servers.exact.endpoint() + ", sni *.wild.test -> /" + servers.wild.endpoint() + ", sni timeout "
                    + "300ms), mode AUTO, "), banner);
            Matcher metrics = METRICS.matcher(banner);
            assertTrue(metrics.find(), banner);
            InetSocketAddress forwarder = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    ForwarderJar.port(banner));

            servers.checkEveryClient(forwarder, 64 * 1024);
            assertEquals(SniFrontEnd.HANDSHAKES, servers.handshakesSince(before), "api, exact, wild, default");
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < servers.clients().size(); i++) {
                entries.add(jar.nextLine());
            }
            servers.checkAccessLog(entries);

            // The first rejected client may open what the JVM then keeps (the pollers that park virtual threads).
            List<BadClients.Case> warmUp = badHellos(new Random(1), 4);
            try (ExecutorService clients = Executors.newFixedThreadPool(8, Thread.ofVirtual().factory())) {
                BadClients.runAll(clients, forwarder, warmUp, true);
                long baseline = ProcFs.settled(() -> ProcFs.fdCountExceptPipes(jar.pid()));
                List<BadClients.Case> bad = badHellos(new Random(2), BAD_HELLOS);
                long start = System.nanoTime();
                BadClients.runAll(clients, forwarder, bad, true);
                System.out.printf("SniRoutingIT: %d bad hellos closed by the jar in %d ms%n", bad.size(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                Map<String, PrometheusTextParser.Family> families = awaitEnded(metrics.group(1),
                        servers.clients().size() + warmUp.size() + bad.size());
                assertEquals(warmUp.size() + bad.size(), families.get("splice4j_tls_hellos_rejected_total").value());
                assertEquals(warmUp.size() + bad.size(), families.get("splice4j_connections_ended_total")
                        .value("reason", "header_rejected"));
                assertEquals(0, families.get("splice4j_sni_rejections_total").value());
                long fds = ProcFs.awaitAtMost(() -> ProcFs.fdCountExceptPipes(jar.pid()), baseline, 10);
                assertEquals(baseline, fds, "the forwarder's fds but pooled pipes: " + ProcFs.fds(jar.pid()));
            }
            assertEquals(SniFrontEnd.HANDSHAKES, servers.handshakesSince(before), "no bad hello reached a server");
            assertEquals(0, jar.terminate(), jar.stderr());
            String out = jar.stdout();
            int total = servers.clients().size() + warmUp.size() + BAD_HELLOS;
            assertTrue(out.contains("splice4j summary: " + total + " connections (" + servers.clients().size()
                    + " completed"), out);
            assertTrue(out.contains("TLS ClientHellos rejected (malformed, incomplete, late or not TLS): "
                    + (warmUp.size() + BAD_HELLOS) + "; failed to read here: 0; server names no route took: 0"), out);
            assertEquals(warmUp.size() + BAD_HELLOS, out.lines().filter(line -> line.startsWith("{")
                    && StrictJson.object(line).get("end").equals("header_rejected")).count());
        }
    }

    @Test
    void withoutADefaultGroupClientsNoRouteTakesAreClosedAndCounted() throws Exception {
        try (ForwarderJar jar = new ForwarderJar("--listen", "127.0.0.1:0", "--connect", "api="
                + servers.api.endpoint(), "--sni-route", "api.example.test=api", "--sni-route", "*.wild.test="
                + servers.wild.endpoint(), "--access-log", "-", "--metrics-listen", "127.0.0.1:0")) {
            String banner = jar.nextLine();
            assertTrue(banner.contains(" -> by TLS server name only (balance roundrobin, retries 2, group api: /"
                    + servers.api.endpoint() + ", sni api.example.test -> group api, sni *.wild.test -> /"
                    + servers.wild.endpoint() + ", sni timeout 5s), "), banner);
            Matcher metrics = METRICS.matcher(banner);
            assertTrue(metrics.find(), banner);
            InetSocketAddress forwarder = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    ForwarderJar.port(banner));
            assertEquals(TlsEchoServer.greeting("any.wild.test", "w.wild.test"),
                    TlsClient.greetingAfterEcho(forwarder, "w.wild.test", servers.wild.identity(), 1024, 1));
            List<String> unrouted = Arrays.asList("nowhere.test", null, "wild.test");
            for (String name : unrouted) {
                assertThrows(SSLException.class, () -> TlsClient.greetingAfterEcho(forwarder, name,
                        servers.fallback.identity(), 1024, 2), "closed before any handshake: " + name);
            }
            Map<String, PrometheusTextParser.Family> families = awaitEnded(metrics.group(1), 4);
            assertEquals(3, families.get("splice4j_sni_rejections_total").value());
            assertEquals(3, families.get("splice4j_connections_ended_total").value("reason", "sni_rejected"));
            assertEquals(0, families.get("splice4j_tls_hellos_rejected_total").value());
            // Lines come as connections end, which need not be the order the clients ran in.
            Map<String, String> ends = new HashMap<>();
            for (int i = 0; i < 4; i++) {
                Map<String, Object> entry = StrictJson.object(jar.nextLine());
                String sni = String.valueOf(entry.get("sni"));
                assertEquals(sni.equals("w.wild.test") ? servers.wild.endpoint() : null, entry.get("upstream"),
                        entry.toString());
                ends.put(sni, (String) entry.get("end"));
            }
            assertEquals(Map.of("w.wild.test", "completed", "nowhere.test", "sni_rejected", "null", "sni_rejected",
                    "wild.test", "sni_rejected"), ends);
            String warning = jar.awaitLogged("nowhere.test", 10);
            assertTrue(warning.matches("\\S+ \\S+ WARNING io\\.splice4j\\.tool: client /127\\.0\\.0\\.1:\\d+: no route for "
                    + "the TLS server name nowhere\\.test, and no default group; closing the client \\(at most a line "
                    + "per 5s\\)"), warning);
            assertEquals(0, jar.terminate(), jar.stderr());
            assertTrue(jar.stdout().contains("; server names no route took: 3"), jar.stdout());
        }
    }

    /** Two clients that speak no TLS, then edited or cut JDK hellos: {@code count} in all. */
    private static List<BadClients.Case> badHellos(Random random, int count) {
        List<BadClients.Case> cases = new ArrayList<>(List.of(
                new BadClients.Case("HTTP", "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 1 << 16),
                new BadClients.Case("nothing", new byte[0], 1)));
        cases.addAll(BadClients.badHellos(random, count - cases.size(), List.of(
                ClientHellos.jdk("TLSv1.3", "api.example.test", "h2"), ClientHellos.jdk("TLSv1.2", null))));
        return cases;
    }

    /** Scrapes until {@code connections} have ended, however, and returns the families. */
    private static Map<String, PrometheusTextParser.Family> awaitEnded(String url, int connections) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            Map<String, PrometheusTextParser.Family> families = PrometheusTextParser.parse(Http.get(URI.create(url))
                    .body());
            PrometheusTextParser.Family ended = families.get("splice4j_connections_ended_total");
            double total = 0;
            for (ConnectionEnd end : ConnectionEnd.values()) {
                total += ended.value("reason", end.wireName());
            }
            if (total == connections) {
                return families;
            }
            assertTrue(System.nanoTime() - deadline < 0, connections + " connections to end: " + ended);
        }
    }
}
