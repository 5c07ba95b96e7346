package io.splice4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged forwarder ({@code java -jar}, no flags) in its own network namespace, between a
 * client and a server in two others, over veth pairs: real TCP stacks, MTUs, a rate limit, packet
 * loss, a server that resets and a server that is down; and as a front end routing by TLS server
 * name to three servers, one of which goes down and comes back. See {@link NetnsTopology}. Needs root and
 * iproute2 (plus iptables and ethtool for the loss and reset cases): elsewhere it is skipped with
 * the reason, and in CI it fails instead.
 */
@Tag("netns")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NetnsForwarderIT {

    private static final Path JAR = Path.of(System.getProperty("splice4j.jar", "target/splice4j.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int LISTEN_PORT = 8000;
    private static final int SERVER_PORT = 9000;
    private static final long MIB = 1L << 20;
    /** The front end's three servers, in the server's namespace. */
    private static final int[] POOL_PORTS = {9001, 9002, 9003};
    private static final String SERVER_NAME = "app.example.test";
    /** Clients at once in each wave of the front end's test: a multiple of its three servers. */
    private static final int WAVE = 6;

    private static NetnsTopology net;

    private final List<ChildProcess> started = new ArrayList<>();

    @BeforeAll
    static void buildTopology() {
        Optional<String> unavailable = NetnsTopology.unavailableReason();
        Prerequisites.require(unavailable.isEmpty(), unavailable.orElse(""));
        Prerequisites.require(Files.isRegularFile(JAR), "needs the packaged jar " + JAR + " (run it with ./mvnw verify)");
        long start = System.nanoTime();
        net = NetnsTopology.create();
        System.out.printf("netns topology %s/%s/%s up in %d ms%n", net.client, net.proxy, net.server,
                (System.nanoTime() - start) / 1_000_000);
        NetnsTopology.Result route = net.runIn(net.client, "ip", "route", "get", NetnsTopology.SERVER_IP);
        assertFalse(route.ok(), "the client must have no route to the server but through the proxy: " + route.output());
    }

    @AfterAll
    static void tearDown() {
        if (net != null) {
            long start = System.nanoTime();
            net.close();
            System.out.printf("netns topology down in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            net = null;
        }
    }

    @AfterEach
    void stopProcessesAndResetShaping() throws InterruptedException {
        for (ChildProcess process : started) {
            process.close();
        }
        if (net != null) {
            net.resetShaping();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Cases

    @Test
    void oneGibThroughTheZeroCopyForwarderArrivesIntact() throws Exception {
        ChildProcess forwarder = forwarder("zero-copy");
        ChildProcess sink = sink("--reply", "64m");
        long start = System.nanoTime();
        ChildProcess source = source("1g");
        double seconds = Output.awaitDelivered(source, sink, start, 1L << 30, 64 * MIB);
        System.out.printf("netns: 1 GiB + 64 MiB through the zero-copy forwarder in %.2f s (with JVM starts)%n", seconds);
        String summary = stopForwarder(forwarder);
        assertTrue(summary.contains("1 connections (1 completed, 0 failed"), summary);
        assertTrue(summary.contains("bytes client->upstream " + (1L << 30) + ", upstream->client " + 64 * MIB), summary);
        assertTrue(summary.contains("directions by path: ZERO_COPY=2 PORTABLE=0"), summary);
    }

    @Test
    void oneGibFromAUnixSocketClientThroughTheForwarderArrivesIntact() throws Exception {
        // A path socket is a file, reachable from every namespace: the client needs no route.
        Path directory = Files.createTempDirectory("splice4j-netns-");
        Path socket = directory.resolve("in.sock");
        try {
            ChildProcess forwarder = start("forwarder", net.proxy, List.of(JAVA, "-jar", JAR.toString(), "--listen",
                    "unix:" + socket, "--connect", NetnsTopology.SERVER_IP + ":" + SERVER_PORT, "--mode", "zero-copy"));
            String banner = forwarder.await(Pattern.compile("splice4j: forwarding .*"), Duration.ofSeconds(30)).group();
            assertTrue(banner.startsWith("splice4j: forwarding unix:" + socket + " -> /" + NetnsTopology.SERVER_IP + ":"
                    + SERVER_PORT + ", mode ZERO_COPY, ") && banner.endsWith(", zero-copy on"), banner);
            ChildProcess sink = sink("--reply", "64m");
            long start = System.nanoTime();
            ChildProcess source = sourceTo("unix:" + socket, "0", "1g");
            double seconds = Output.awaitDelivered(source, sink, start, 1L << 30, 64 * MIB);
            System.out.printf("netns: 1 GiB + 64 MiB from a Unix socket through the forwarder in %.2f s (with JVM "
                    + "starts)%n", seconds);
            String summary = stopForwarder(forwarder);
            Output.assertSplicedBothWays(summary, 1L << 30, 64 * MIB);
            assertFalse(Files.exists(socket), "the forwarder removed its socket file");
        } finally {
            Files.deleteIfExists(socket);
            Files.delete(directory);
        }
    }

    @Test
    void oneGibFromATcpClientToAUnixSocketServerThroughTheForwarderArrivesIntact() throws Exception {
        // The reverse sidecar: TCP in, the application's Unix socket out (a file every namespace sees).
        Path directory = Files.createTempDirectory("splice4j-netns-");
        Path socket = directory.resolve("app.sock");
        try {
            ChildProcess sink = start("sink", net.server, concat(helper(Sink.class), "unix:" + socket, "--reply", "64m"));
            sink.await(Pattern.compile("listening unix:.*"), Duration.ofSeconds(30));
            ChildProcess forwarder = start("forwarder", net.proxy, List.of(JAVA, "-jar", JAR.toString(), "--listen",
                    NetnsTopology.PROXY_FRONT_IP + ":" + LISTEN_PORT, "--connect", "unix:" + socket, "--mode", "zero-copy"));
            String banner = forwarder.await(Pattern.compile("splice4j: forwarding .*"), Duration.ofSeconds(30)).group();
            assertTrue(banner.startsWith("splice4j: forwarding /" + NetnsTopology.PROXY_FRONT_IP + ":" + LISTEN_PORT
                    + " -> unix:" + socket + ", mode ZERO_COPY, ") && banner.endsWith(", zero-copy on"), banner);
            long start = System.nanoTime();
            ChildProcess source = source("1g");
            double seconds = Output.awaitDelivered(source, sink, start, 1L << 30, 64 * MIB);
            System.out.printf("netns: 1 GiB + 64 MiB from a TCP client through the forwarder to a Unix socket server in"
                    + " %.2f s (with JVM starts)%n", seconds);
            String summary = stopForwarder(forwarder);
            Output.assertSplicedBothWays(summary, 1L << 30, 64 * MIB);
        } finally {
            Files.deleteIfExists(socket);
            Files.delete(directory);
        }
    }

    private static List<String> concat(List<String> command, String... args) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(args));
        return all;
    }

    @ParameterizedTest(name = "MTU {0}")
    @ValueSource(ints = {1280, 9000})
    void mtuIsHonouredAndDataArrivesIntact(int mtu) throws Exception {
        net.mtu(mtu);
        ChildProcess forwarder = forwarder("auto");
        ChildProcess sink = sink("--reply", "16m");
        ChildProcess source = source("256m", "--delay-ms", "1000");
        sink.await(Pattern.compile("accepted 0 .*"), Duration.ofSeconds(30));
        // Both TCP connections negotiated a segment size that fits the MTU (20 bytes IP, 20 TCP,
        // up to 40 of TCP options).
        for (String ns : List.of(net.client, net.server)) {
            String ss = net.mustIn(ns, "ss", "-tni", "state", "established");
            Matcher mss = Pattern.compile("\\bmss:(\\d+)").matcher(ss);
            assertTrue(mss.find(), ss);
            int value = Integer.parseInt(mss.group(1));
            assertTrue(value <= mtu - 40 && value >= mtu - 80, "mss " + value + " for MTU " + mtu + " in " + ns + ": " + ss);
        }
        assertEquals(0, source.awaitExit(Duration.ofSeconds(60)), source.describe() + sink.describe());
        assertEquals(0, sink.awaitExit(Duration.ofSeconds(30)), sink.describe());
        Output.assertDelivered(source, sink, 0, 256 * MIB, 16 * MIB);
        String summary = stopForwarder(forwarder);
        assertTrue(summary.contains("directions by path: ZERO_COPY=2 PORTABLE=0"), summary);
    }

    @ParameterizedTest(name = "--mode {0}")
    @ValueSource(strings = {"zero-copy", "portable"})
    void aRateLimitedServerSlowsTheClientAndTheForwarderMemoryStaysFlat(String mode) throws Exception {
        double bytesPerSecond = 100e6 / 8;
        // What the kernel may hold between source and sink without the forwarder buffering: a send
        // and a receive buffer on each of the two connections, one pipe, and the 1 MiB granularity
        // of both progress reports. The transfer is larger, so a forwarder that buffered would show.
        long bound = 2 * (maxBuffer("tcp_rmem") + maxBuffer("tcp_wmem")) + 3 * MIB;
        long size = Math.max(64 * MIB, bound + 32 * MIB);
        net.rateLimitToServer("100mbit");
        ChildProcess forwarder = forwarder(mode);
        ChildProcess sink = sink("--progress", "1m");
        long rssBefore = ProcFs.rssKiB(forwarder.pid());
        long start = System.nanoTime();
        ChildProcess source = source(Long.toString(size), "--progress", "1m");

        long maxInFlight = 0;
        long maxRss = 0;
        long rssAtOneSecond = -1;
        while (source.isAlive() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
            Thread.sleep(100);
            long sent = source.progress(0);
            long received = sink.progress(0);
            maxInFlight = Math.max(maxInFlight, sent - received);
            long rss = ProcFs.rssKiB(forwarder.pid());
            if (rssAtOneSecond < 0 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(1)) {
                rssAtOneSecond = rss;
            }
            maxRss = Math.max(maxRss, rss);
        }
        assertEquals(0, source.awaitExit(Duration.ofSeconds(30)), source.describe() + sink.describe());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, sink.awaitExit(Duration.ofSeconds(30)), sink.describe());
        Output.assertDelivered(source, sink, 0, size, 0);
        System.out.printf(Locale.ROOT, "netns %s at 100 mbit: %d MiB in %.2f s = %.1f Mbit/s; in flight at most %d MiB "
                + "(kernel buffers allow %d); forwarder RSS %d MiB before, %d MiB after 1 s, %d MiB at most%n", mode,
                size / MIB, seconds, size * 8 / seconds / 1e6, maxInFlight / MIB, bound / MIB, rssBefore / 1024,
                rssAtOneSecond / 1024, maxRss / 1024);

        // The limit held the client back (the source blocked instead of the forwarder buffering)...
        assertTrue(seconds > 0.8 * size / bytesPerSecond, "too fast for 100 mbit: " + seconds + " s");
        // ...what was in flight between source and sink fit in the kernel's buffers...
        assertTrue(maxInFlight <= bound, "in flight: " + maxInFlight + ", kernel buffers: " + bound);
        // ...and the forwarder's memory stayed flat while the transfer went on.
        assertTrue(rssAtOneSecond > 0, "sampled");
        assertTrue(maxRss - rssAtOneSecond < 16 * 1024, "RSS grew from " + rssAtOneSecond + " to " + maxRss + " KiB");
        stopForwarder(forwarder);
    }

    /** The largest buffer TCP may grow to in the proxy's namespace ({@code net.ipv4.tcp_rmem} or {@code tcp_wmem}). */
    private static long maxBuffer(String sysctl) {
        String[] values = net.mustIn(net.proxy, "cat", "/proc/sys/net/ipv4/" + sysctl).strip().split("\\s+");
        return Long.parseLong(values[values.length - 1]);
    }

    @Test
    void fivePercentPacketLossStillDeliversIntactData() throws Exception {
        requireTool("iptables");
        requireTool("ethtool");
        net.offloadsOff();
        net.randomLossAtServer(0.05);
        ChildProcess forwarder = forwarder("auto");
        ChildProcess sink = sink("--reply", "4m");
        long start = System.nanoTime();
        ChildProcess source = source("64m");
        assertEquals(0, source.awaitExit(Duration.ofSeconds(120)), source.describe() + sink.describe());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, sink.awaitExit(Duration.ofSeconds(30)), sink.describe());
        Output.assertDelivered(source, sink, 0, 64 * MIB, 4 * MIB);
        String drops = net.mustIn(net.server, "iptables", "-L", "-v", "-n", "-x");
        Matcher dropped = Pattern.compile("(?m)^\\s*(\\d+)\\s+\\d+\\s+DROP").matcher(drops);
        long packets = 0;
        while (dropped.find()) {
            packets += Long.parseLong(dropped.group(1));
        }
        System.out.printf(Locale.ROOT, "netns 5%% loss: 64 MiB + 4 MiB in %.2f s, %d packets dropped%n", seconds, packets);
        assertTrue(packets > 100, "the loss rule dropped packets: " + drops);
        String summary = stopForwarder(forwarder);
        assertTrue(summary.contains("1 connections (1 completed"), summary);
    }

    @Test
    void aServerThatResetsMidStreamEndsTheClientAndLeaksNothing() throws Exception {
        requireTool("iptables");
        // A reset ends one connection: logged only when connections are.
        ChildProcess forwarder = forwarder("zero-copy", "--log-connections");
        ChildProcess sink = sink("--connections", "2", "--pause-after", "8m");
        long baseline = warmUp(forwarder, sink);

        ChildProcess source = source("1g");
        sink.await(Pattern.compile("paused 1 \\d+"), Duration.ofSeconds(30));
        net.serverResets(SERVER_PORT);
        int exit = source.awaitExit(Duration.ofSeconds(60));
        assertNotEquals(0, exit, "the client must see its connection fail: " + source.describe());
        assertTrue(source.last(Pattern.compile("error 0 .*")).isPresent(), source.describe());
        assertFalse(source.last(Pattern.compile("sent 0 .*")).isPresent(), "not everything can have been delivered");

        long fds = ProcFs.awaitAtMost(() -> ProcFs.fdCountExceptPipes(forwarder.pid()), baseline, 15);
        assertTrue(fds <= baseline, "forwarder fds but pooled pipes " + fds + ", baseline " + baseline + ": "
                + ProcFs.fds(forwarder.pid()));
        assertTrue(forwarder.isAlive());
        String summary = stopForwarder(forwarder);
        System.out.println("netns: the forwarder logged: " + forwarder.stderr().strip());
        String log = forwarder.stderr().toLowerCase(Locale.ROOT);
        // The RST fails the forwarder's next call on that socket: ECONNRESET, or EPIPE on a write.
        assertTrue(log.matches("(?s).*(econnreset|connection reset|epipe|broken pipe).*"), "the forwarder logs the "
                + "reset: " + forwarder.describe());
        // The upstream's reset ends the relay as reset by the upstream, and the client is reset in turn.
        assertTrue(summary.contains("2 connections (1 completed, 0 failed"), summary);
        assertTrue(summary.contains("1 reset by the upstream"), summary);
    }

    @Test
    void aServerThatIsDownEndsEachClientAndLeaksNothing() throws Exception {
        ChildProcess forwarder = forwarder("zero-copy");
        // The first connection may set up what the JVM keeps for good (pollers, for one).
        awaitClientEnds(source("64k"));
        long baseline = ProcFs.settled(() -> ProcFs.fdCount(forwarder.pid()));
        for (int i = 0; i < 3; i++) {
            awaitClientEnds(source("1m"));
        }
        long fds = ProcFs.awaitAtMost(() -> ProcFs.fdCount(forwarder.pid()), baseline, 15);
        assertTrue(fds <= baseline, "forwarder fds " + fds + ", baseline " + baseline + ": " + ProcFs.fds(forwarder.pid()));
        assertTrue(forwarder.stderr().contains("can't connect to /" + NetnsTopology.SERVER_IP + ":" + SERVER_PORT),
                forwarder.describe());
        String summary = stopForwarder(forwarder);
        assertTrue(summary.contains("4 connections (0 completed, 0 failed, 0 closed at shutdown, 4 upstream connect "
                + "failures, 0 idle timeouts, "), summary);
    }

    @Test
    void aThreeServerFrontEndLosesNoClientWhileOneServerGoesDownAndComesBack() throws Exception {
        String host = NetnsTopology.SERVER_IP + ":";
        String pool = "pool=/" + host;
        Pattern echoedData = Pattern.compile("echoed \\d+ ([1-9]\\d*) ([0-9a-f]{64})");
        List<ChildProcess> echoes = new ArrayList<>();
        for (int port : POOL_PORTS) {
            echoes.add(echo(port));
        }
        Path directory = Files.createTempDirectory("splice4j-netns-");
        Path arguments = Files.write(directory.resolve("front-end.args"), List.of(
                "--listen " + NetnsTopology.PROXY_FRONT_IP + ":" + LISTEN_PORT,
                "--connect pool=" + host + POOL_PORTS[0],
                "--connect pool=" + host + POOL_PORTS[1],
                "--connect pool=" + host + POOL_PORTS[2],
                "--sni-route " + SERVER_NAME + "=pool",
                "--health-check 200ms"));
        try {
            ChildProcess forwarder = start("forwarder", net.proxy, List.of(JAVA, "-jar", JAR.toString(),
                    "@" + arguments));
            String banner = forwarder.await(Pattern.compile("splice4j: forwarding .*"), Duration.ofSeconds(30)).group();
            assertTrue(banner.startsWith("splice4j: forwarding /" + NetnsTopology.PROXY_FRONT_IP + ":" + LISTEN_PORT
                    + " -> by TLS server name only (balance roundrobin, retries 2, health checks every 200ms, group "
                    + "pool: /" + host + POOL_PORTS[0] + ", /" + host + POOL_PORTS[1] + ", /" + host + POOL_PORTS[2]
                    + ", sni " + SERVER_NAME + " -> group pool, sni timeout 5s), "),
                    banner);
            List<String> client = new ArrayList<>(helper(HelloClients.class));
            client.addAll(List.of(NetnsTopology.PROXY_FRONT_IP, Integer.toString(LISTEN_PORT), SERVER_NAME, "256k"));
            ChildProcess clients = start("clients", net.client, client);
            Waves waves = new Waves(clients);

            // Three up: round robin gives each server exactly a third.
            for (int i = 0; i < 3; i++) {
                waves.next();
            }
            for (ChildProcess echo : echoes) {
                echo.awaitCount(echoedData, 3 * (WAVE / 3), Duration.ofSeconds(10));
            }
            // No client under way: stop the second server and go on at once, before the checks can tell.
            long stopped = System.nanoTime();
            echoes.get(1).stop(Duration.ofSeconds(10));
            String down = "upstream " + pool + POOL_PORTS[1] + " is down: ";
            int downWaves = waves.until(() -> forwarder.stderr().contains(down));
            long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            for (int i = 0; i < 3; i++) {
                waves.next();
            }
            // Back on the same port: the checks bring it back, and clients reach it again.
            ChildProcess revived = echo(POOL_PORTS[1]);
            echoes.add(revived);
            long restarted = System.nanoTime();
            String up = "upstream " + pool + POOL_PORTS[1] + " is up: ";
            int upWaves = waves.until(() -> forwarder.stderr().contains(up));
            long upMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
            for (int i = 0; i < 3; i++) {
                waves.next();
            }
            revived.awaitCount(echoedData, 3 * (WAVE / 3), Duration.ofSeconds(10));
            clients.endInput();
            assertEquals(0, clients.awaitExit(Duration.ofSeconds(30)), "no client failed: " + clients.describe());

            String summary = stopForwarder(forwarder);
            int total = waves.clients();
            assertTrue(summary.contains("splice4j summary: " + total + " connections (" + total + " completed, 0 "
                    + "failed, 0 closed at shutdown, 0 upstream connect failures, "), summary);
            Matcher refused = Pattern.compile("\\n  upstream " + Pattern.quote(pool) + POOL_PORTS[1] + ": up, 0 active "
                    + "connections, (\\d+) connects failed").matcher(summary);
            assertTrue(refused.find(), summary);
            List<String> changes = forwarder.stderr().lines().filter(line -> line.contains("upstream " + pool)).toList();
            System.out.printf(Locale.ROOT, "netns: %d clients through a three-server front end, none failed; server 2 "
                    + "down in the log %d ms after it stopped (%d waves meanwhile, %s clients' connects refused and "
                    + "retried), up %d ms after it restarted (%d waves)%n", total, downMillis, downWaves,
                    refused.group(1), upMillis, upWaves);
            assertEquals(2, changes.size(), "a line per change, of server 2 only: " + changes);
            assertTrue(changes.get(0).matches(".*" + Pattern.quote(down) + "(2 health checks in a row failed: "
                    + "java\\.net\\.ConnectException: Connection refused|connect failed: java\\.net\\.ConnectException: "
                    + "Connection refused; back after 2 good health checks in a row)"), changes.get(0));
            assertTrue(changes.get(1).endsWith(up + "2 health checks in a row passed"), changes.get(1));

            // Every byte of every client: what each sent came back whole (it checked), and the servers
            // echoed exactly those streams, each once.
            for (ChildProcess echo : echoes) {
                echo.stop(Duration.ofSeconds(10));
            }
            List<String> sent = digests(clients, Pattern.compile("ok \\d+ (\\d+) ([0-9a-f]{64})"));
            List<String> echoed = new ArrayList<>();
            for (ChildProcess echo : echoes) {
                echoed.addAll(digests(echo, echoedData));
            }
            echoed.sort(null);
            assertEquals(total, sent.size(), clients.describe());
            List<String> lost = new ArrayList<>(sent);
            lost.removeAll(echoed);
            List<String> extra = new ArrayList<>(echoed);
            extra.removeAll(sent);
            assertTrue(sent.equals(echoed), "sent but not echoed: " + lost + "; echoed but not sent: " + extra);
        } finally {
            Files.deleteIfExists(arguments);
            Files.delete(directory);
        }
    }

    /** Waves of {@link #WAVE} clients at once, the next only when the last is over, none failing. */
    private static final class Waves {

        private final ChildProcess clients;
        private int count;

        Waves(ChildProcess clients) {
            this.clients = clients;
        }

        /** Runs the next wave and checks that every client in it got all its bytes back. */
        void next() throws InterruptedException {
            clients.send(Integer.toString(WAVE));
            Matcher done = clients.await(Pattern.compile("wave " + count + " done ok=(\\d+) failed=(\\d+)"),
                    Duration.ofSeconds(60));
            assertEquals(WAVE + " 0", done.group(1) + " " + done.group(2), "wave " + count + "\n" + clients.describe());
            count++;
        }

        /**
         * Runs waves until {@code condition} holds after one, at most 50.
         *
         * @return how many it ran
         */
        int until(BooleanSupplier condition) throws InterruptedException {
            for (int waves = 1; waves <= 50; waves++) {
                next();
                if (condition.getAsBoolean()) {
                    return waves;
                }
            }
            throw new AssertionError("not after 50 waves\n" + clients.describe());
        }

        /** Clients run so far. */
        int clients() {
            return count * WAVE;
        }
    }

    /** The {@code LENGTH SHA-256} of each line matching {@code pattern} (groups 1 and 2), sorted. */
    private static List<String> digests(ChildProcess process, Pattern pattern) {
        List<String> digests = new ArrayList<>();
        for (Matcher matcher : process.matching(pattern)) {
            digests.add(matcher.group(1) + " " + matcher.group(2));
        }
        digests.sort(null);
        return digests;
    }

    // ---------------------------------------------------------------------------------------------
    // Processes

    private ChildProcess forwarder(String mode, String... options) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString(),
                "--listen", NetnsTopology.PROXY_FRONT_IP + ":" + LISTEN_PORT,
                "--connect", NetnsTopology.SERVER_IP + ":" + SERVER_PORT, "--mode", mode));
        command.addAll(List.of(options));
        ChildProcess forwarder = start("forwarder", net.proxy, command);
        String banner = forwarder.await(Pattern.compile("splice4j: forwarding .*"), Duration.ofSeconds(30)).group();
        String start = "splice4j: forwarding /" + NetnsTopology.PROXY_FRONT_IP + ":" + LISTEN_PORT + " -> /"
                + NetnsTopology.SERVER_IP + ":" + SERVER_PORT + ", mode " + mode.toUpperCase(Locale.ROOT).replace('-', '_')
                + ", ";
        assertTrue(banner.startsWith(start) && banner.endsWith(", zero-copy on"), banner);
        return forwarder;
    }

    /** An {@link Echo} server in the server's namespace, listening. */
    private ChildProcess echo(int port) throws InterruptedException {
        List<String> command = new ArrayList<>(helper(Echo.class));
        command.add(Integer.toString(port));
        ChildProcess echo = start("echo-" + port, net.server, command);
        echo.await(Pattern.compile("listening " + port), Duration.ofSeconds(30));
        return echo;
    }

    private ChildProcess sink(String... options) throws InterruptedException {
        List<String> command = new ArrayList<>(helper(Sink.class));
        command.add(Integer.toString(SERVER_PORT));
        command.addAll(List.of(options));
        ChildProcess sink = start("sink", net.server, command);
        sink.await(Pattern.compile("listening " + SERVER_PORT), Duration.ofSeconds(30));
        return sink;
    }

    private ChildProcess source(String size, String... options) {
        return sourceTo(NetnsTopology.PROXY_FRONT_IP, Integer.toString(LISTEN_PORT), size, options);
    }

    private ChildProcess sourceTo(String host, String port, String size, String... options) {
        List<String> command = new ArrayList<>(helper(Source.class));
        command.addAll(List.of(host, port, size));
        command.addAll(List.of(options));
        return start("source", net.client, command);
    }

    private ChildProcess start(String name, String ns, List<String> command) {
        ChildProcess process = ChildProcess.start(name, net.in(ns, command));
        started.add(process);
        return process;
    }

    /** A java command that runs one of the helper programs from the test classes. */
    static List<String> helper(Class<?> main) {
        return List.of(JAVA, "-XX:+UseSerialGC", "-Xmx256m", "-cp", testClasses().toString(), main.getName());
    }

    static Path testClasses() {
        try {
            return Path.of(Source.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the forwarder by its PID (SIGTERM), checks it exited 0, and returns its summary. */
    private static String stopForwarder(ChildProcess forwarder) throws InterruptedException {
        ProcFs.settled(() -> ProcFs.fdCount(forwarder.pid()));
        assertEquals(0, forwarder.stop(Duration.ofSeconds(30)), forwarder.describe());
        String out = forwarder.stdout();
        assertTrue(out.contains("splice4j summary:"), forwarder.describe());
        return out;
    }

    /**
     * One small transfer that completes, so that later counts start from a warmed-up forwarder.
     *
     * @return its fds then, pipes (which its engine pools) left out
     */
    private long warmUp(ChildProcess forwarder, ChildProcess sink) throws InterruptedException {
        ChildProcess source = source("1m");
        assertEquals(0, source.awaitExit(Duration.ofSeconds(30)), source.describe() + sink.describe());
        sink.await(Pattern.compile("received 0 " + MIB + " .*"), Duration.ofSeconds(10));
        return ProcFs.settled(() -> ProcFs.fdCountExceptPipes(forwarder.pid()));
    }

    private static void awaitClientEnds(ChildProcess source) throws InterruptedException {
        source.awaitExit(Duration.ofSeconds(30));
        Optional<Matcher> received = source.last(Pattern.compile("received 0 (\\d+) .*"));
        assertTrue(received.map(m -> m.group(1).equals("0")).orElse(true), "no reply can come: " + source.describe());
    }

    private static void requireTool(String name) {
        Prerequisites.require(NetnsTopology.tool(name).isPresent(), "needs " + name + " (Debian package " + name + ")");
    }
}
