package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.ClientHellos;
import io.splice4j.support.FuzzSeed;
import io.splice4j.support.OpenFds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --sni-route} against 500 malformed or truncated ClientHellos (the JDK's own, edited as the
 * parser's fuzz test edits them, each checked against the parser so that none is valid by chance),
 * clients that speak no TLS, and hellos that come too late: each client is closed and counted as a
 * rejected hello, none reaches a server, none costs an fd for good, and a valid client after them
 * is routed and served.
 *
 * <p>The seed is random per run and printed; rerun one with {@code -Dsplice4j.fuzz.seed=N}.
 */
class SniRoutingFuzzTest {

    private static final int MALFORMED = 500;
    private static final int LATE = 20;
    private static final int CONCURRENCY = 16;
    private static final long SNI_TIMEOUT_MILLIS = 200;
    private static final List<byte[]> VALID = List.of(ClientHellos.jdk("TLSv1.3", "valid.test", "h2", "http/1.1"),
            ClientHellos.jdk("TLSv1.2", "valid.test"), ClientHellos.jdk("TLSv1.3", null),
            ClientHellos.jdk("TLSv1.2", null, "h2"));

    @Test
    @Timeout(120)
    void everyBadHelloIsClosedAndCountedAndTheForwarderGoesOn() throws Exception {
        long seed = FuzzSeed.pick(SniRoutingFuzzTest.class);
        Random random = new Random(seed);
        try (EchoServer routed = new EchoServer(); EchoServer fallback = new EchoServer()) {
            // What the JDK opens once for good (the pollers that park virtual threads) opens here.
            try (ForwarderServer warmUp = start(routed, fallback)) {
                servesAValidClient(warmUp, random, -1);
            }
            Map<Integer, String> before = OpenFds.list();
            ForwarderServer forwarder = start(routed, fallback);
            try (ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY, Thread.ofVirtual().factory())) {
                servesAValidClient(forwarder, random, 0);
                assertTrue(routed.awaitNoneOpen(10));
                Map<Integer, String> baseline = OpenFds.list();
                int acceptedBefore = routed.accepted() + fallback.accepted();

                List<BadClients.Case> cases = new ArrayList<>(notTls());
                cases.addAll(BadClients.badHellos(random, MALFORMED, VALID));
                long start = System.nanoTime();
                BadClients.runAll(clients, forwarder.address(), cases, true);
                System.out.printf("SniRoutingFuzzTest seed %d: %d bad clients closed in %d ms%n", seed, cases.size(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                assertEquals(cases.size(), forwarder.tlsHellosRejected(), "every bad hello counted, seed " + seed);
                servesAValidClient(forwarder, random, 1);

                List<BadClients.Case> late = new ArrayList<>();
                for (int i = 0; i < LATE; i++) {
                    byte[] valid = VALID.get(i % VALID.size());
                    late.add(new BadClients.Case("late " + i, Arrays.copyOf(valid, i * valid.length / LATE), 1));
                }
                long lateStart = System.nanoTime();
                try (ExecutorService all = Executors.newVirtualThreadPerTaskExecutor()) {
                    BadClients.runAll(all, forwarder.address(), late, false);
                }
                assertTrue(System.nanoTime() - lateStart >= TimeUnit.MILLISECONDS.toNanos(SNI_TIMEOUT_MILLIS),
                        "late clients are given the whole --sni-timeout");
                assertEquals(cases.size() + LATE, forwarder.tlsHellosRejected(), "late hellos counted");
                servesAValidClient(forwarder, random, 2);
                assertEquals(acceptedBefore + 2, routed.accepted() + fallback.accepted(),
                        "no bad client reached a server, seed " + seed);
                assertEquals(0, forwarder.sniRejections(), "a default group takes any name");
                assertTrue(routed.awaitNoneOpen(10));
                BadClients.awaitNoneOpen(forwarder);
                BadClients.assertBackTo(baseline);
                assertTrue(forwarder.summary().contains("TLS ClientHellos rejected (malformed, incomplete, late or not "
                        + "TLS): " + (cases.size() + LATE) + "; failed to read here: 0;"), forwarder.summary());
            } finally {
                forwarder.close();
            }
            assertEquals("", OpenFds.openedSinceExceptUnixSockets(before), "every fd the forwarder opened is closed");
        }
    }

    private static ForwarderServer start(EchoServer routed, EchoServer fallback) throws IOException {
        return ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
                "127.0.0.1:" + fallback.port(), "--sni-route", "valid.test=127.0.0.1:" + routed.port(),
                "--sni-timeout", SNI_TIMEOUT_MILLIS + "ms"), result -> { }, Throwable::printStackTrace);
    }

    /** Clients that speak something else, or nothing. */
    private static List<BadClients.Case> notTls() {
        List<BadClients.Case> cases = new ArrayList<>(List.of(
                new BadClients.Case("HTTP", ascii("GET / HTTP/1.1\r\nHost: valid.test\r\n\r\n"), 1 << 16),
                new BadClients.Case("SSH", ascii("SSH-2.0-OpenSSH_9.6\r\n"), 1 << 16),
                new BadClients.Case("a PROXY header", ascii("PROXY TCP4 192.0.2.1 198.51.100.7 51234 443\r\n"), 1 << 16),
                new BadClients.Case("an SSLv2 hello", new byte[] {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01}, 1 << 16),
                new BadClients.Case("an alert record", new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}, 1 << 16),
                new BadClients.Case("empty: the client closes at once", new byte[0], 1)));
        for (BadClients.Case wrong : List.copyOf(cases)) {
            cases.add(new BadClients.Case(wrong.name() + ", a write per byte", wrong.bytes(), 1));
        }
        return cases;
    }

    /**
     * A client with a valid hello for the routed name, a write per byte, its first data in the last
     * write: the hello and the data reach the routed server, untouched, and come back.
     */
    private static void servesAValidClient(ForwarderServer forwarder, Random random, int index) throws IOException {
        byte[] hello = VALID.get(random.nextInt(2));
        byte[] data = Wire.token(index).array();
        try (SocketChannel client = SocketChannel.open(forwarder.address())) {
            for (int i = 0; i < hello.length - 1; i++) {
                Wire.write(client, ByteBuffer.wrap(hello, i, 1));
            }
            Wire.write(client, ByteBuffer.allocate(1 + data.length).put(hello[hello.length - 1]).put(data).flip());
            byte[] back = Wire.readExactly(client, hello.length + data.length);
            assertArrayEquals(hello, Arrays.copyOf(back, hello.length), "the hello, batch " + index);
            assertArrayEquals(data, Arrays.copyOfRange(back, hello.length, back.length), "batch " + index);
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
