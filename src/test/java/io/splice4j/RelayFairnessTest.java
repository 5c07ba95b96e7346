package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Loopback;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/**
 * Many relays ping-ponging small messages at once: every connection keeps making progress. A wait
 * whose wake-up is lost, rescued only by a periodic check, would show as a round trip that takes
 * seconds; the test fails on any gap over a second between two round trips of one connection.
 */
class RelayFairnessTest {

    private static final int CONNECTIONS = 1000;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);
    private static final long MAX_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

    @ParameterizedTest
    @EnumSource(value = RelayKind.class, names = {"DEFAULT", "PLATFORM_THREADS", "VIRTUAL_THREADS"})
    @Timeout(90)
    void everyConnectionMakesProgressEverySecond(RelayKind kind) throws Exception {
        // The loopback closes first: the echoes end when their sockets do, and only then can the executor close.
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor(); Loopback loopback = new Loopback()) {
            List<Relay> relays = new ArrayList<>();
            List<Future<long[]>> clients = new ArrayList<>();
            List<SocketChannel> clientEnds = new ArrayList<>();
            SpliceOptions options = kind.options(SpliceMode.AUTO).build();
            for (int i = 0; i < CONNECTIONS; i++) {
                Loopback.Pair client = loopback.pair();
                Loopback.Pair server = loopback.pair();
                relays.add(Splice.relay(client.near(), server.near(), options));
                virtual.submit(() -> echo(server.far()));
                clientEnds.add(client.far());
            }
            long start = System.nanoTime();
            for (SocketChannel client : clientEnds) {
                clients.add(virtual.submit(() -> pingPong(client, start)));
            }
            long worstGap = 0;
            long fewest = Long.MAX_VALUE;
            for (Future<long[]> client : clients) {
                long[] result = client.get(60, TimeUnit.SECONDS);
                fewest = Math.min(fewest, result[0]);
                worstGap = Math.max(worstGap, result[1]);
            }
            System.out.printf("%s: %d connections ping-ponging 64 B for 4 s: fewest round trips %d, longest gap %d ms%n",
                    kind, CONNECTIONS, fewest, TimeUnit.NANOSECONDS.toMillis(worstGap));
            assertTrue(worstGap < MAX_GAP_NANOS, "a connection went " + TimeUnit.NANOSECONDS.toMillis(worstGap)
                    + " ms without a round trip");
            for (SocketChannel client : clientEnds) {
                client.shutdownOutput();
            }
            for (Relay relay : relays) {
                assertEquals(RelayResult.End.COMPLETED, relay.completion().get(30, TimeUnit.SECONDS).end());
            }
        }
    }

    /** Round trips until the run ends; returns their number and the longest gap between two. */
    private static long[] pingPong(SocketChannel client, long start) throws Exception {
        ByteBuffer out = ByteBuffer.allocate(64);
        ByteBuffer in = ByteBuffer.allocate(64);
        long trips = 0;
        long last = start;
        long worst = 0;
        while (System.nanoTime() - start < RUN_NANOS) {
            out.clear().putLong(0, trips);
            while (out.hasRemaining()) {
                client.write(out);
            }
            in.clear();
            while (in.hasRemaining()) {
                if (client.read(in) < 0) {
                    throw new AssertionError("stream ended after " + trips + " round trips");
                }
            }
            if (in.getLong(0) != trips) {
                throw new AssertionError("round trip " + trips + " came back as " + in.getLong(0));
            }
            long now = System.nanoTime();
            worst = Math.max(worst, now - last);
            last = now;
            trips++;
        }
        return new long[] {trips, worst};
    }

    private static Void echo(SocketChannel server) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (server.read(buffer.clear()) >= 0) {
            buffer.flip();
            while (buffer.hasRemaining()) {
                server.write(buffer);
            }
        }
        server.shutdownOutput();
        return null;
    }
}
