package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.TlsClientHelloException;
import io.splice4j.TlsClientHelloParser;
import io.splice4j.support.ClientHellos;
import io.splice4j.support.OpenFds;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Clients that start with bytes a forwarder must refuse before it routes them (a bad PROXY header,
 * a bad TLS ClientHello), and the checks that it did: each client closed, and no fd kept for good.
 */
final class BadClients {

    /**
     * What one client sends.
     *
     * @param name what is wrong with it, for failure messages
     * @param bytes what the client sends
     * @param writeSize the most bytes per write: 1 splits them into a write per byte
     */
    record Case(String name, byte[] bytes, int writeSize) {
    }

    private BadClients() {
    }

    /**
     * {@code count} ClientHellos that the parser does not take whole: one in four of {@code valid}
     * cut short, the rest edited ({@link ClientHellos#mutate}); one in eight written a byte at a time.
     *
     * @param valid whole hellos to start from
     */
    static List<Case> badHellos(Random random, int count, List<byte[]> valid) {
        List<Case> cases = new ArrayList<>(count);
        while (cases.size() < count) {
            byte[] hello = valid.get(random.nextInt(valid.size()));
            byte[] bytes = random.nextInt(4) == 0 ? Arrays.copyOf(hello, random.nextInt(hello.length))
                    : ClientHellos.mutate(hello, random);
            if (!completes(bytes)) {
                String name = (bytes.length < hello.length ? "short " : "edited ") + HexFormat.of().formatHex(bytes);
                cases.add(new Case(name, bytes, random.nextInt(8) == 0 ? 1 : 1 + random.nextInt(600)));
            }
        }
        return cases;
    }

    /** Whether the parser finds a whole valid hello at the start of {@code bytes}. */
    private static boolean completes(byte[] bytes) {
        try {
            return new TlsClientHelloParser().feed(ByteBuffer.wrap(bytes)).isPresent();
        } catch (TlsClientHelloException e) {
            return false;
        }
    }

    /**
     * Sends every case on a client of its own and waits for the forwarder to end each connection.
     *
     * @param endOutput whether each client ends its stream after its bytes, or waits to be closed
     */
    static void runAll(ExecutorService executor, SocketAddress forwarder, List<Case> cases, boolean endOutput)
            throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (Case wrong : cases) {
            done.add(executor.submit(() -> {
                send(forwarder, wrong, endOutput);
                return null;
            }));
        }
        for (int i = 0; i < done.size(); i++) {
            try {
                done.get(i).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(cases.get(i).name(), e);
            }
        }
    }

    private static void send(SocketAddress forwarder, Case wrong, boolean endOutput) throws IOException {
        try (SocketChannel client = SocketChannel.open(forwarder)) {
            try {
                for (int at = 0; at < wrong.bytes().length; at += wrong.writeSize()) {
                    Wire.write(client, ByteBuffer.wrap(wrong.bytes(), at,
                            Math.min(wrong.writeSize(), wrong.bytes().length - at)));
                }
                if (endOutput) {
                    client.shutdownOutput();
                }
            } catch (IOException closedEarly) {
                // The forwarder may close the client at its first wrong byte, before the rest is written.
                assertTrue(String.valueOf(closedEarly.getMessage()).matches("(?i).*(reset|broken pipe).*"),
                        wrong.name() + ": " + closedEarly);
                return;
            }
            Wire.awaitEnd(client, 10, wrong.name() + ": closed by the forwarder");
        }
    }

    /** Waits up to 10 s for the forwarder to have no connection open. */
    static void awaitNoneOpen(ForwarderServer forwarder) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (forwarder.openConnections() != 0) {
            assertTrue(System.nanoTime() - deadline < 0, forwarder.openConnections() + " connections still open");
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * Checks that this process has no fd now that it did not have at {@code baseline}, pipes aside:
     * they come and go in the engine's pool, whose size is capped; a leak would be sockets.
     */
    static void assertBackTo(Map<Integer, String> baseline) {
        Map<Integer, String> added = new TreeMap<>(OpenFds.list());
        added.entrySet().removeIf(e -> e.getValue().equals(baseline.get(e.getKey())) || e.getValue().startsWith("pipe:"));
        assertEquals(Map.of(), added, "the forwarder is back to its sockets and other fds");
    }
}
