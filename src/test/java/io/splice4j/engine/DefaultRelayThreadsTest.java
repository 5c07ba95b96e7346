package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.support.Loopback;
import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Splice.relay} with default options, started from virtual threads, costs no platform thread
 * per relay: on the shared engine where it runs, on virtual threads elsewhere.
 */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class DefaultRelayThreadsTest {

    private static final int RELAYS = 3000;

    @Test
    @Timeout(180)
    void threeThousandRelaysFromVirtualThreadsStartNoPlatformThreadEach() throws Exception {
        try (Loopback loopback = new Loopback(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Loopback.Pair> as = new ArrayList<>();
            List<Loopback.Pair> bs = new ArrayList<>();
            for (int i = 0; i < RELAYS; i++) {
                as.add(loopback.pair());
                bs.add(loopback.pair());
            }
            // Warm up whatever the library starts once per JVM (the shared engine, the carriers).
            Splice.relay(loopback.pair().near(), loopback.pair().near()).close();
            int threadsBefore = osThreads();
            List<Future<Relay>> starting = new ArrayList<>();
            for (int i = 0; i < RELAYS; i++) {
                Loopback.Pair a = as.get(i);
                Loopback.Pair b = bs.get(i);
                starting.add(virtual.submit(() -> Splice.relay(a.near(), b.near())));
            }
            List<Relay> relays = new ArrayList<>();
            for (Future<Relay> relay : starting) {
                relays.add(relay.get(60, TimeUnit.SECONDS));
            }
            for (int i = 0; i < RELAYS; i++) {
                echoBothWays(i, as.get(i), bs.get(i));
            }
            int threadsDuring = osThreads();
            int allowed = 2 * Runtime.getRuntime().availableProcessors() + 4;
            System.out.printf("%d default relays started from virtual threads: %d OS threads before, %d while"
                    + " they ran%n", RELAYS, threadsBefore, threadsDuring);
            assertTrue(threadsDuring - threadsBefore <= allowed, "threads grew from " + threadsBefore + " to "
                    + threadsDuring + " for " + RELAYS + " relays (allowed growth " + allowed + ")");
            for (int i = 0; i < RELAYS; i++) {
                as.get(i).far().shutdownOutput();
                bs.get(i).far().shutdownOutput();
            }
            for (int i = 0; i < RELAYS; i++) {
                RelayResult result = relays.get(i).completion().get(60, TimeUnit.SECONDS);
                assertEquals(RelayResult.End.COMPLETED, result.end(), "relay " + i + ": " + result);
                assertEquals(8, result.aToB().bytes(), "relay " + i);
                assertEquals(8, result.bToA().bytes(), "relay " + i);
            }
        }
    }

    /** Eight bytes naming the relay each way, read back exactly. */
    private static void echoBothWays(int relay, Loopback.Pair a, Loopback.Pair b) throws Exception {
        ByteBuffer sent = ByteBuffer.allocate(8).putInt(relay).putInt(~relay).flip();
        a.far().write(sent.duplicate());
        assertEquals(sent, readEight(b), "a -> b of relay " + relay);
        b.far().write(sent.duplicate());
        assertEquals(sent, readEight(a), "b -> a of relay " + relay);
    }

    private static ByteBuffer readEight(Loopback.Pair pair) throws Exception {
        ByteBuffer got = ByteBuffer.allocate(8);
        while (got.hasRemaining()) {
            if (pair.far().read(got) < 0) {
                throw new AssertionError("stream ended after " + got.position() + " bytes");
            }
        }
        return got.flip();
    }

    private static int osThreads() {
        String[] tasks = new File("/proc/self/task").list();
        return tasks == null ? -1 : tasks.length;
    }
}
