package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.OpenFds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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
 * {@code --accept-proxy} against thousands of bad headers: each client is closed and counted, none
 * costs an fd for good, and a valid client after each batch is served.
 */
class AcceptProxyFuzzTest {

    private static final int BATCHES = 8;
    private static final int RANDOM_PER_BATCH = 500;
    private static final int LATE_CLIENTS = 40;
    private static final int CONCURRENCY = 16;
    private static final long PROXY_TIMEOUT_MILLIS = 200;

    @Test
    @Timeout(90)
    void everyBadHeaderIsClosedAndCountedAndTheForwarderGoesOn() throws Exception {
        Random random = new Random(0x5EED_F00DL);
        List<BadClients.Case> handPicked = MalformedHeaders.handPicked();
        for (BadClients.Case wrong : handPicked) {
            assertFalse(MalformedHeaders.completes(wrong.bytes()), wrong.name() + " is no valid header");
        }
        try (EchoServer echo = new EchoServer()) {
            // What the JDK opens once for good (the pollers that park virtual threads) opens here.
            try (ForwarderServer warmUp = start(echo)) {
                servesAValidClient(warmUp, random, -1);
            }
            Map<Integer, String> before = OpenFds.list();
            ForwarderServer forwarder = start(echo);
            long expected = 0;
            try (ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY, Thread.ofVirtual().factory())) {
                servesAValidClient(forwarder, random, 0);
                assertTrue(echo.awaitNoneOpen(10));
                Map<Integer, String> baseline = OpenFds.list();
                for (int batch = 1; batch <= BATCHES; batch++) {
                    List<BadClients.Case> cases = new ArrayList<>(handPicked);
                    cases.addAll(MalformedHeaders.random(random, RANDOM_PER_BATCH));
                    BadClients.runAll(clients, forwarder.address(), cases, true);
                    expected += cases.size();
                    assertEquals(expected, forwarder.proxyHeadersRejected(), "every bad header counted, batch " + batch);
                    servesAValidClient(forwarder, random, batch);
                }
                List<BadClients.Case> late = new ArrayList<>();
                for (int i = 0; i < LATE_CLIENTS; i++) {
                    byte[] valid = MalformedHeaders.VALID.get(i % MalformedHeaders.VALID.size());
                    late.add(new BadClients.Case("late " + i, Arrays.copyOf(valid, i % valid.length), 1));
                }
                long start = System.nanoTime();
                try (ExecutorService all = Executors.newVirtualThreadPerTaskExecutor()) {
                    BadClients.runAll(all, forwarder.address(), late, false);
                }
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(PROXY_TIMEOUT_MILLIS),
                        "late clients are given the whole --proxy-timeout");
                expected += LATE_CLIENTS;
                assertEquals(expected, forwarder.proxyHeadersRejected(), "late headers counted");
                servesAValidClient(forwarder, random, BATCHES + 1);
                assertTrue(echo.awaitNoneOpen(10));
                BadClients.awaitNoneOpen(forwarder);
                BadClients.assertBackTo(baseline);
                assertTrue(forwarder.summary().contains("PROXY headers rejected (malformed, incomplete or late): "
                        + expected), forwarder.summary());
            } finally {
                forwarder.close();
            }
            assertEquals("", OpenFds.openedSinceExceptUnixSockets(before), "every fd the forwarder opened is closed");
        }
    }

    private static ForwarderServer start(EchoServer echo) throws IOException {
        return ForwarderServer.start(ForwarderArgs.parse("--listen", "127.0.0.1:0", "--connect",
                "127.0.0.1:" + echo.port(), "--accept-proxy", "--proxy-timeout", PROXY_TIMEOUT_MILLIS + "ms"),
                result -> { }, Throwable::printStackTrace);
    }

    /**
     * A client with a valid header, split into a write per byte with its first data in the last
     * write: only the data reaches the upstream, and comes back.
     */
    private static void servesAValidClient(ForwarderServer forwarder, Random random, int index) throws IOException {
        byte[] header = MalformedHeaders.VALID.get(random.nextInt(MalformedHeaders.VALID.size()));
        byte[] data = Wire.token(index).array();
        try (SocketChannel client = SocketChannel.open(forwarder.address())) {
            for (int i = 0; i < header.length - 1; i++) {
                Wire.write(client, ByteBuffer.wrap(header, i, 1));
            }
            ByteBuffer last = ByteBuffer.allocate(1 + data.length).put(header[header.length - 1]).put(data).flip();
            Wire.write(client, last);
            assertArrayEquals(data, Wire.readExactly(client, data.length), "batch " + index);
            Wire.roundTrip(client, index + 1000);
        }
    }
}
