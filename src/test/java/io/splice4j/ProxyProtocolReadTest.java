package io.splice4j;

import static io.splice4j.PrereadScenarios.MARGIN_MS;
import static io.splice4j.PrereadScenarios.SHORT;
import static io.splice4j.PrereadScenarios.writeFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Loopback;
import io.splice4j.support.SocketKind;
import io.splice4j.support.OpenFds;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/** {@link ProxyProtocol#read} over loopback TCP and Unix sockets: headers, the bytes behind them, stalls, ends, threads, fds. */
// Executors are opened before the loopback pairs, so closed after them: a failed test's readers end at once.
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolReadTest {

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void returnsTheHeaderAndEveryByteBehindItInOrder(SocketKind kind) throws Exception {
        for (ProxyHeader header : List.of(ProxyHeaderTest.tcp4(), ProxyHeaderTest.tcp6(), ProxyHeader.local())) {
            for (boolean v2 : new boolean[] {false, true}) {
                byte[] encoded = ProxyHeaderTest.bytes(v2 ? header.encodeV2() : header.encodeV1());
                byte[] payload = ProxyHeaderParserTest.payload(1 << 20, encoded.length);
                ProxyProtocol.Received received = PrereadScenarios.nothingIsLost(kind,
                        ProxyHeaderParserTest.concat(encoded, payload), ProxyProtocol::read,
                        ProxyProtocol.Received::pastHeader, payload);
                ProxyHeader expected = !v2 && header.command() == ProxyHeader.Command.LOCAL ? ProxyHeader.unknown()
                        : header;
                assertEquals(expected, received.header());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aStalledHalfHeaderFailsWithinTheTimeoutAndLeavesTheChannelAsItWas(SocketKind kind) throws Exception {
        byte[] encoded = ProxyHeaderTest.bytes(ProxyHeaderTest.tcp6().encodeV2());
        PrereadScenarios.aStallFailsInTime(kind, Arrays.copyOf(encoded, 20), ProxyProtocol::read,
                ProxyProtocolException.class, "no complete PROXY header within 300 ms (20 bytes received)");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aTricklingPeerCannotStretchTheDeadline(SocketKind kind) throws Exception {
        byte[] encoded = ProxyHeaderTest.bytes(ProxyHeaderTest.tcp4().encodeV1());
        try (ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor(); Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(kind);
            // One byte per 100 ms: each read sees progress, the header as a whole doesn't arrive in time.
            Future<?> trickle = writer.submit(() -> {
                for (byte b : encoded) {
                    writeFully(pair.far(), new byte[] {b});
                    Thread.sleep(100); // pacing the peer, not synchronising
                }
                return null;
            });
            long start = System.nanoTime();
            ProxyProtocolException e = assertThrows(ProxyProtocolException.class,
                    () -> ProxyProtocol.read(pair.near(), Duration.ofMillis(1000)));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(e.getMessage().matches("no complete PROXY header within 1000 ms \\(\\d+ bytes received\\)"),
                    e.getMessage());
            assertTrue(elapsedMs >= 1000 && elapsedMs < 1000 + MARGIN_MS, elapsedMs + " ms");
            trickle.cancel(true);
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void garbageFailsAtOnceWithoutWaitingForTheTimeout(SocketKind kind) throws Exception {
        PrereadScenarios.failsAtOnce(kind, ProxyHeaderTest.ascii("GET / HTTP/1.1\r\n"), false, ProxyProtocol::read,
                ProxyProtocolException.class,
                "bad signature: 0x47 starts neither a v1 header (\"PROXY \") nor a v2 header (0x0d 0x0a ...)");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void endOfStreamInsideTheHeaderFails(SocketKind kind) throws Exception {
        PrereadScenarios.failsAtOnce(kind, ProxyHeaderTest.ascii("PROXY"), true, ProxyProtocol::read,
                ProxyProtocolException.class, "the peer ended the stream after 5 bytes, before a complete PROXY header");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void closingTheChannelEndsTheWait(SocketKind kind) throws Exception {
        try (ExecutorService reader = Executors.newSingleThreadExecutor(); Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(kind);
            AtomicReference<Thread> thread = new AtomicReference<>();
            Future<ProxyProtocol.Received> read = reader.submit(() -> {
                thread.set(Thread.currentThread());
                return ProxyProtocol.read(pair.near(), Duration.ofSeconds(50));
            });
            awaitWaiting(List.of(thread));
            long start = System.nanoTime();
            pair.near().close();
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> read.get(10, TimeUnit.SECONDS));
            // The JDK's own exception for a channel closed under a blocked read, which has no message.
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            assertEquals(null, e.getCause().getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void interruptingTheReaderClosesTheChannel(SocketKind kind) throws Exception {
        for (boolean virtual : new boolean[] {false, true}) {
            try (Loopback loopback = new Loopback()) {
                Loopback.Pair pair = loopback.pair(kind);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                AtomicReference<Thread> thread = new AtomicReference<>();
                Runnable read = () -> {
                    try {
                        ProxyProtocol.read(pair.near(), Duration.ofSeconds(50));
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                };
                thread.set((virtual ? Thread.ofVirtual() : Thread.ofPlatform()).unstarted(read));
                thread.get().start();
                awaitWaiting(List.of(thread));
                thread.get().interrupt();
                assertTrue(thread.get().join(Duration.ofSeconds(10)), "the reader did not return");
                assertInstanceOf(ClosedByInterruptException.class, failure.get(), "virtual " + virtual);
                assertEquals(null, failure.get().getMessage());
                assertTrue(!pair.near().isOpen(), "the JDK closes an interrupted channel");
            }
        }
    }

    /** Many virtual threads wait in read on stalled peers; a pinned carrier would starve everything else. */
    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void waitingVirtualThreadsLeaveTheirCarriersFree(SocketKind kind) throws Exception {
        int readers = 64;
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor(); Loopback loopback = new Loopback()) {
            List<Loopback.Pair> pairs = new ArrayList<>();
            List<Future<ProxyProtocol.Received>> reads = new ArrayList<>();
            List<AtomicReference<Thread>> threads = new ArrayList<>();
            byte[] encoded = ProxyHeaderTest.bytes(ProxyHeaderTest.tcp4().encodeV2());
            for (int i = 0; i < readers; i++) {
                Loopback.Pair pair = loopback.pair(kind);
                pairs.add(pair);
                writeFully(pair.far(), Arrays.copyOf(encoded, 10));
                AtomicReference<Thread> thread = new AtomicReference<>();
                threads.add(thread);
                reads.add(virtual.submit(() -> {
                    thread.set(Thread.currentThread());
                    return ProxyProtocol.read(pair.near(), Duration.ofSeconds(40));
                }));
            }
            awaitWaiting(threads);
            // 64 readers wait on at most a couple of carriers; this one must still get to run.
            Thread probe = Thread.ofVirtual().start(() -> { });
            assertTrue(probe.join(Duration.ofSeconds(5)), "a virtual thread could not run: carriers pinned");
            for (Loopback.Pair pair : pairs) {
                writeFully(pair.far(), ProxyHeaderParserTest.concat(Arrays.copyOfRange(encoded, 10, encoded.length),
                        new byte[] {9}));
            }
            for (Future<ProxyProtocol.Received> read : reads) {
                ProxyProtocol.Received received = read.get(20, TimeUnit.SECONDS);
                assertEquals(ProxyHeaderTest.tcp4(), received.header());
                assertEquals(ByteBuffer.wrap(new byte[] {9}), received.pastHeader());
            }
            for (Loopback.Pair pair : pairs) {
                assertTrue(pair.near().isBlocking());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void opensNoFdAndLeaksNone(SocketKind kind) throws Exception {
        // Once, so that the JDK's own lazily opened fds (virtual-thread pollers) are in the baseline.
        scenarios(kind);
        Map<Integer, String> before = OpenFds.list();
        scenarios(kind);
        assertEquals(before.size(), OpenFds.list().size(), () -> OpenFds.openedSince(before));
    }

    private static void scenarios(SocketKind kind) throws Exception {
        byte[] encoded = ProxyHeaderTest.bytes(ProxyHeaderTest.tcp4().encodeV1());
        for (boolean virtualThread : new boolean[] {false, true}) {
            try (ExecutorService executor = virtualThread ? Executors.newVirtualThreadPerTaskExecutor()
                    : Executors.newSingleThreadExecutor(); Loopback loopback = new Loopback()) {
                Loopback.Pair ok = loopback.pair(kind);
                Loopback.Pair stalled = loopback.pair(kind);
                writeFully(ok.far(), encoded);
                writeFully(stalled.far(), Arrays.copyOf(encoded, 9));
                assertEquals(ProxyHeaderTest.tcp4(), executor.submit(() -> ProxyProtocol.read(ok.near(), SHORT))
                        .get(10, TimeUnit.SECONDS).header());
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> executor.submit(() -> ProxyProtocol.read(stalled.near(), Duration.ofMillis(50)))
                                .get(10, TimeUnit.SECONDS));
                assertEquals("no complete PROXY header within 50 ms (9 bytes received)", e.getCause().getMessage());
            }
        }
    }

    @Test
    void rejectsBadArguments() throws Exception {
        try (Loopback loopback = new Loopback()) {
            SocketChannel near = loopback.pair().near();
            NullPointerException channel = assertThrows(NullPointerException.class,
                    () -> ProxyProtocol.read(null, SHORT));
            assertEquals("channel", channel.getMessage());
            NullPointerException timeout = assertThrows(NullPointerException.class, () -> ProxyProtocol.read(near, null));
            assertEquals("timeout", timeout.getMessage());
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> ProxyProtocol.read(near, Duration.ZERO));
            assertEquals("timeout must be positive: PT0S", zero.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> ProxyProtocol.read(near, Duration.ofSeconds(-1)));
            assertEquals("timeout must be positive: PT-1S", negative.getMessage());
            IllegalArgumentException limit = assertThrows(IllegalArgumentException.class,
                    () -> ProxyProtocol.read(near, SHORT, 70000));
            assertEquals("maxV2Length must be 0 to 65535: 70000", limit.getMessage());
            near.configureBlocking(false);
            IllegalArgumentException nonBlocking = assertThrows(IllegalArgumentException.class,
                    () -> ProxyProtocol.read(near, SHORT));
            assertEquals("channel must be in blocking mode", nonBlocking.getMessage());
            assertTrue(!near.isBlocking());
        }
    }

    /**
     * Waits until every thread has started and is waiting for the channel, parked if virtual.
     * There is no event for "blocked in a read", so this samples stacks and states.
     */
    private static void awaitWaiting(List<AtomicReference<Thread>> threads) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (AtomicReference<Thread> thread : threads) {
            while (!waitingInRead(thread.get())) {
                assertTrue(System.nanoTime() < deadline, "threads did not all reach their read: carriers pinned?");
                Thread.onSpinWait();
                Thread.yield();
            }
        }
    }

    private static boolean waitingInRead(Thread thread) {
        if (thread == null || (thread.isVirtual() && thread.getState() != Thread.State.TIMED_WAITING)) {
            return false;
        }
        return Arrays.stream(thread.getStackTrace())
                .anyMatch(f -> f.getClassName().startsWith("sun.nio.ch.")
                        // a TCP read parks; a Unix-domain channel's wait is a select
                        && (f.getMethodName().equals("park") || f.getMethodName().equals("doSelect")));
    }
}
