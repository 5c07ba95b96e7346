package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import io.splice4j.support.SocketRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Relays move every byte both ways at once, pass half-close on, and clean up after themselves,
 * between TCP and Unix-domain sockets in every combination.
 */
@Tag("flag-free-jvm")
class RelayIntegrityTest {

    private static final long MAX_SIZE = 64L << 20;

    /** Log-uniform sizes from 0 to 64 MiB, both extremes included: mostly small, some large. */
    private static long[] sizes(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] sizes = new long[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = (long) Math.pow(2, random.nextDouble(0, 26)) - 1;
        }
        sizes[0] = 0;
        sizes[1] = MAX_SIZE;
        return sizes;
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModesAndRoutes")
    void fiftyConcurrentRelaysDeliverEveryByteBothWays(RelayKind kind, SpliceMode mode, SocketRoute route)
            throws Exception {
        int relays = 50;
        long[] forward = sizes(relays, 1);
        long[] backward = sizes(relays, 2);
        var fds = FdBaseline.take();
        List<Harness> harnesses = new ArrayList<>();
        List<Relay> running = new ArrayList<>();
        List<Future<Digest>[]> digests = new ArrayList<>();
        try {
            for (int i = 0; i < relays; i++) {
                Harness harness = route.harness();
                harnesses.add(harness);
                running.add(Splice.relay(harness.source().near(), harness.target().near(),
                        kind.options(mode).chunkSize(64 * 1024).build()));
                @SuppressWarnings("unchecked")
                Future<Digest>[] ends = new Future[] {harness.feed(forward[i]), harness.drain(),
                    harness.feedBack(backward[i]), harness.drainBack()};
                digests.add(ends);
            }
            for (int i = 0; i < relays; i++) {
                Future<Digest>[] ends = digests.get(i);
                assertEquals(ends[0].get(), ends[1].get(), "relay " + i + " a->b");
                assertEquals(ends[2].get(), ends[3].get(), "relay " + i + " b->a");
                RelayResult result = running.get(i).completion().get(1, TimeUnit.MINUTES);
                TransferPath path = mode == SpliceMode.ZERO_COPY ? TransferPath.ZERO_COPY : TransferPath.PORTABLE;
                assertEquals(new SpliceResult(forward[i], path, Optional.empty()), result.aToB(), "relay " + i);
                assertEquals(new SpliceResult(backward[i], path, Optional.empty()), result.bToA(), "relay " + i);
                assertTrue(result.completed(), "relay " + i + ": " + result);
                assertFalse(harnesses.get(i).source().near().isOpen(), "the relay closed a");
                assertFalse(harnesses.get(i).target().near().isOpen(), "the relay closed b");
            }
        } finally {
            for (Harness harness : harnesses) {
                harness.close();
            }
        }
        FdBaseline.assertNoLeak(fds);
    }

    @Test
    void relaysOnCallerSuppliedVirtualThreadsSplice() throws Exception {
        long size = 8L << 20;
        try (Harness harness = new Harness(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    SpliceOptions.builder().executor(virtual).build());
            Future<Digest> sent = harness.feed(size);
            Future<Digest> sentBack = harness.feedBack(size);
            assertEquals(sentBack.get(), Payload.readToEnd(harness.source().far()));
            assertEquals(sent.get(), Payload.readToEnd(harness.target().far()));
            RelayResult result = relay.completion().get(1, TimeUnit.MINUTES);
            SpliceResult expected = new SpliceResult(size, TransferPath.ZERO_COPY, Optional.empty());
            assertEquals(expected, result.aToB());
            assertEquals(expected, result.bToA());
        }
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModesAndRoutes")
    void aClientThatShutsDownOutputStillReceivesTheWholeReply(RelayKind kind, SpliceMode mode, SocketRoute route)
            throws Exception {
        long request = 100_000;
        long reply = 16L << 20;
        try (Harness harness = route.harness()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    kind.options(mode).build());
            // The client sends its request and half-closes; the server answers only after it has
            // read the request's end-of-stream, which the relay must pass on.
            Future<Digest> sent = harness.feed(request);
            Future<Digest> server = harness.run(() -> {
                Digest received = Payload.readToEnd(harness.target().far());
                Payload.write(harness.target().far(), reply);
                harness.target().far().shutdownOutput();
                return received;
            });
            assertEquals(Payload.expected(reply), Payload.readToEnd(harness.source().far()), "the whole reply");
            assertEquals(sent.get(), server.get(), "the whole request");
            RelayResult result = relay.completion().get(1, TimeUnit.MINUTES);
            assertEquals(request, result.aToB().bytes());
            assertEquals(reply, result.bToA().bytes());
            assertTrue(result.completed(), result::toString);
        }
    }
}
