package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged jar as users run it: {@code java -jar splice4j.jar ...} with no JVM flags. Every
 * process started here is stopped by its PID (SIGTERM, then SIGKILL if it hangs).
 */
class ForwarderIT {

    private static final Path JAR = Path.of(System.getProperty("splice4j.jar", "target/splice4j.jar"));
    private static final Pattern LISTENING = Pattern.compile("splice4j: forwarding /127\\.0\\.0\\.1:(\\d+) -> .*");

    /** A started {@code java -jar}, its output collected line by line. */
    private static final class Jar implements AutoCloseable {
        final Process process;
        final LinkedBlockingQueue<String> stdout = new LinkedBlockingQueue<>();
        final StringBuilder stdoutText = new StringBuilder();
        final StringBuilder stderrText = new StringBuilder();
        final List<Thread> collectors = new ArrayList<>();

        Jar(String... args) throws IOException {
            this(List.of(), args);
        }

        /** Runs the jar behind {@code prefix}, a command such as {@code prlimit ... --}. */
        Jar(List<String> prefix, String... args) throws IOException {
            List<String> command = new ArrayList<>(prefix);
            command.addAll(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
            command.addAll(List.of(args));
            assertTrue(Files.isRegularFile(JAR), "the packaged jar exists: " + JAR);
            process = new ProcessBuilder(command).start();
            collectors.add(collect(process.getInputStream(), stdoutText, stdout));
            collectors.add(collect(process.getErrorStream(), stderrText, new LinkedBlockingQueue<>()));
        }

        private static Thread collect(InputStream stream, StringBuilder text, LinkedBlockingQueue<String> lines) {
            return Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        synchronized (text) {
                            text.append(line).append('\n');
                        }
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // The process ended.
                }
            });
        }

        String nextLine() throws InterruptedException {
            String line = stdout.poll(30, TimeUnit.SECONDS);
            assertTrue(line != null, "no output within 30 s");
            return line;
        }

        /** Sends SIGTERM to the process's PID and returns its exit code. */
        int terminate() throws InterruptedException {
            // Through the handle: Process.destroy() would also close our end of its output pipes.
            assertTrue(process.toHandle().destroy(), "SIGTERM sent");
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
            return process.exitValue();
        }

        int await() throws InterruptedException {
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "finished");
            return process.exitValue();
        }

        /** All of standard output, once the process has exited and the pipe is read to its end. */
        String stdout() throws InterruptedException {
            awaitOutput();
            synchronized (stdoutText) {
                return stdoutText.toString();
            }
        }

        String stderr() throws InterruptedException {
            if (!process.isAlive()) {
                awaitOutput();
            }
            synchronized (stderrText) {
                return stderrText.toString();
            }
        }

        private void awaitOutput() throws InterruptedException {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exited");
            for (Thread collector : collectors) {
                collector.join(TimeUnit.SECONDS.toMillis(10));
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--listen", "--listen 127.0.0.1:1", "--bogus", "--listen 127.0.0.1:1 --connect "
            + "127.0.0.1:2 --mode fast"})
    void badArgumentsPrintTheUsageAndExit2(String line) throws Exception {
        try (Jar jar = new Jar(line.isEmpty() ? new String[0] : line.split(" "))) {
            assertEquals(2, jar.await());
            String stderr = jar.stderr();
            assertTrue(stderr.startsWith("splice4j: "), stderr);
            assertTrue(stderr.contains("usage: java -jar splice4j.jar"), stderr);
            assertFalse(stderr.contains("Exception") || stderr.contains("\tat "), "no stack trace: " + stderr);
        }
    }

    @Test
    void forwardsBothWaysWithZeroCopyAndSummarisesOnSigterm() throws Exception {
        long request = 32L << 20;
        long reply = 8L << 20;
        try (ServerSocketChannel upstream = ServerSocketChannel.open().bind(loopback(0));
             Jar jar = new Jar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:"
                     + ((InetSocketAddress) upstream.getLocalAddress()).getPort())) {
            String banner = jar.nextLine();
            Matcher listening = LISTENING.matcher(banner);
            assertTrue(listening.matches(), banner);
            assertTrue(banner.endsWith("zero-copy on"), "the manifest's flags enable zero-copy: " + banner);

            CompletableFuture<Digest> upstreamReceived = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel server = upstream.accept()) {
                    Digest received = Payload.readToEnd(server);
                    Payload.write(server, reply);
                    return received;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel client = SocketChannel.open(loopback(Integer.parseInt(listening.group(1))))) {
                Digest sent = Payload.write(client, request);
                client.shutdownOutput();
                assertEquals(Payload.expected(reply), Payload.readToEnd(client), "the whole reply");
                assertEquals(sent, upstreamReceived.get(30, TimeUnit.SECONDS), "the whole request");
            }

            assertEquals(0, jar.terminate(), jar.stderr());
            String summary = jar.stdout();
            assertTrue(summary.contains("splice4j summary: 1 connections (1 completed, 0 failed"), summary);
            assertTrue(summary.contains("bytes client->upstream " + request + ", upstream->client " + reply), summary);
            assertTrue(summary.contains("directions by path: ZERO_COPY=2 PORTABLE=0"), summary);
            assertFalse(jar.stderr().contains("WARNING"), "no warnings: " + jar.stderr());
        }
    }

    @Test
    void aRefusedUpstreamClosesThatClientAndTheForwarderGoesOn() throws Exception {
        int closedPort;
        try (ServerSocketChannel nothing = ServerSocketChannel.open().bind(loopback(0))) {
            closedPort = ((InetSocketAddress) nothing.getLocalAddress()).getPort();
        }
        try (Jar jar = new Jar("--listen", "127.0.0.1:0", "--connect", "127.0.0.1:" + closedPort)) {
            Matcher listening = LISTENING.matcher(jar.nextLine());
            assertTrue(listening.matches());
            for (int i = 0; i < 2; i++) {
                try (SocketChannel client = SocketChannel.open(loopback(Integer.parseInt(listening.group(1))))) {
                    assertEquals(Payload.expected(0), Payload.readToEnd(client), "the client sees its connection end");
                }
            }
            assertTrue(jar.process.isAlive(), "the forwarder still runs");
            assertEquals(0, jar.terminate());
            assertTrue(jar.stdout().contains("2 connections (0 completed, 0 failed, 0 closed at shutdown, "
                    + "2 upstream connect failures)"), jar.stdout());
            assertTrue(jar.stderr().contains("can't connect to /127.0.0.1:" + closedPort), jar.stderr());
        }
    }

    @Test
    void runningOutOfFdsEndsTheClientsItCantServeAndGoesOn() throws Exception {
        int clients = 40;
        try (ServerSocketChannel upstream = ServerSocketChannel.open().bind(loopback(0), clients);
             Jar jar = new Jar(List.of("prlimit", "--nofile=96", "--"), "--listen", "127.0.0.1:0", "--connect",
                     "127.0.0.1:" + ((InetSocketAddress) upstream.getLocalAddress()).getPort())) {
            Matcher listening = LISTENING.matcher(jar.nextLine());
            assertTrue(listening.matches());
            // The upstream end reads each request to its end, then holds the connection until released,
            // so that every relay the forwarder manages to open stays open at once.
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger accepted = new AtomicInteger();
            Thread server = Thread.ofPlatform().daemon().start(() -> {
                for (int i = 0; i < clients; i++) {
                    try {
                        SocketChannel connection = upstream.accept();
                        accepted.incrementAndGet();
                        Thread.ofVirtual().start(() -> {
                            try (connection) {
                                Payload.readToEnd(connection);
                                release.await();
                            } catch (IOException | InterruptedException ignored) {
                                // The forwarder gave up on this one.
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            List<SocketChannel> open = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    SocketChannel client = SocketChannel.open(loopback(Integer.parseInt(listening.group(1))));
                    open.add(client);
                    Payload.write(client, 1024);
                    client.shutdownOutput();
                }
                long settledSince = System.nanoTime();
                for (int last = -1; System.nanoTime() - settledSince < TimeUnit.MILLISECONDS.toNanos(500); ) {
                    if (accepted.get() != last) {
                        last = accepted.get();
                        settledSince = System.nanoTime();
                    }
                    Thread.sleep(10); // sampling until the forwarder has done what it can
                }
                release.countDown();
                // 96 fds can't hold 40 relays: each client must still see its connection end, served
                // or refused, instead of hanging.
                for (SocketChannel client : open) {
                    try {
                        Payload.readToEnd(client);
                    } catch (IOException reset) {
                        assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
                    }
                }
            } finally {
                for (SocketChannel client : open) {
                    client.close();
                }
            }
            assertTrue(jar.process.isAlive(), "the forwarder survives running out of fds");
            assertEquals(0, jar.terminate(), jar.stderr());
            assertTrue(jar.stdout().contains("splice4j summary: " + clients + " connections"), jar.stdout());
            assertFalse(jar.stdout().contains("(" + clients + " completed"), "96 fds can't serve them all: "
                    + jar.stdout());
            System.out.println("with 96 fds: " + jar.stdout().lines().filter(l -> !l.startsWith("splice4j: forwarding"))
                    .toList() + "; log lines: " + jar.stderr().lines().count());
            server.interrupt();
        }
    }

    @Test
    void selfCheckVerifiesBothPaths() throws Exception {
        try (Jar jar = new Jar("--self-check")) {
            assertEquals(0, jar.await(), jar.stderr());
            String out = jar.stdout();
            assertTrue(out.contains("zero-copy available: yes"), out);
            assertTrue(Pattern.compile("(?m)^zero-copy: 1\\.00 GiB in .* path client->upstream ZERO_COPY, "
                    + "upstream->client ZERO_COPY; SHA-256 OK$").matcher(out).find(), out);
            assertTrue(Pattern.compile("(?m)^portable : 1\\.00 GiB in .* path client->upstream PORTABLE, "
                    + "upstream->client PORTABLE; SHA-256 OK$").matcher(out).find(), out);
            assertTrue(out.contains("self-check OK"), out);
        }
    }
}
