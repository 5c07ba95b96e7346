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
            Map<Integer, String> beforeClose = OpenFds.list();
            long start = System.nanoTime();
            pair.near().close();
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> read.get(10, TimeUnit.SECONDS));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println(kind + ": a close ended the wait after " + elapsedMs + " ms");
            // The JDK's own exception for a channel closed under a blocked read, which has no message.
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            assertEquals(null, e.getCause().getMessage());
            assertTrue(elapsedMs < 5_000, elapsedMs + " ms");
            // Really closed by the time the read has ended, not put off by a registration.
            assertEquals(beforeClose.size() - 1, OpenFds.count(), () -> OpenFds.openedSince(beforeClose));
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

    /**
     * Many reads wait on stalled peers at once, and while they all wait the process holds their
     * connections' sockets and a few fds more, not an fd or two per read: a forwarder's waiting
     * clients must cost what its fd budget counts for them.
     */
    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void waitingReadsHoldNoFdBeyondTheirSockets(SocketKind kind) throws Exception {
        int readers = 200;
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor(); Loopback loopback = new Loopback()) {
            loopback.pair(kind).close(); // the listener, which the loopback opens on first use
            long before = OpenFds.count();
            List<Loopback.Pair> pairs = new ArrayList<>();
            List<Future<ProxyProtocol.Received>> reads = new ArrayList<>();
            List<AtomicReference<Thread>> threads = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                Loopback.Pair pair = loopback.pair(kind);
                pairs.add(pair);
                AtomicReference<Thread> thread = new AtomicReference<>();
                threads.add(thread);
                reads.add(virtual.submit(() -> {
                    thread.set(Thread.currentThread());
                    ProxyProtocol.Received received = ProxyProtocol.read(pair.near(), Duration.ofSeconds(40));
                    // Looked at on return, before anything else could flush a selector: a channel still
                    // registered would put off the real close of a caller who closes it now.
                    assertTrue(!pair.near().isRegistered(), "still registered with a selector");
                    return received;
                }));
            }
            awaitWaiting(threads);
            long waiting = OpenFds.count();
            long beyondSockets = waiting - before - 2L * readers;
            System.out.println(kind + ": " + readers + " waiting reads, fds " + before + " -> " + waiting + ", "
                    + beyondSockets + " beyond their " + 2 * readers + " sockets");
            assertTrue(beyondSockets <= 8, readers + " waiting reads held " + beyondSockets
                    + " fds beyond their sockets");
            byte[] encoded = ProxyHeaderTest.bytes(ProxyHeaderTest.tcp4().encodeV1());
            for (Loopback.Pair pair : pairs) {
                writeFully(pair.far(), encoded);
            }
            for (Future<ProxyProtocol.Received> read : reads) {
                assertEquals(ProxyHeaderTest.tcp4(), read.get(20, TimeUnit.SECONDS).header());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void opensNoFdAndLeaksNone(SocketKind kind) throws Exception {
        // Once uncounted, so that what the JDK and the library open once, on first use (the
        // virtual-thread pollers, a shared selector), is in the baseline.
        scenarios(kind, false);
        Map<Integer, String> before = OpenFds.list();
        scenarios(kind, true);
        assertEquals(before.size(), OpenFds.list().size(), () -> OpenFds.openedSince(before));
    }

    /**
     * A read that finds its header, one that waits for the rest of it, and one that times out, on a
     * platform and on a virtual thread; if {@code counted}, the fds are counted while the second
     * waits, and it must have opened none.
     */
    private static void scenarios(SocketKind kind, boolean counted) throws Exception {
        byte[] encoded = ProxyHeaderTest.bytes(ProxyHeaderTest.tcp4().encodeV1());
        for (boolean virtualThread : new boolean[] {false, true}) {
            try (ExecutorService executor = virtualThread ? Executors.newVirtualThreadPerTaskExecutor()
                    : Executors.newSingleThreadExecutor(); Loopback loopback = new Loopback()) {
                Loopback.Pair ok = loopback.pair(kind);
                Loopback.Pair waiting = loopback.pair(kind);
                Loopback.Pair stalled = loopback.pair(kind);
                writeFully(ok.far(), encoded);
                writeFully(stalled.far(), Arrays.copyOf(encoded, 9));
                assertEquals(ProxyHeaderTest.tcp4(), executor.submit(() -> ProxyProtocol.read(ok.near(), SHORT))
                        .get(10, TimeUnit.SECONDS).header());

                Map<Integer, String> beforeWait = OpenFds.list();
                AtomicReference<Thread> thread = new AtomicReference<>();
                Future<ProxyProtocol.Received> waited = executor.submit(() -> {
                    thread.set(Thread.currentThread());
                    return ProxyProtocol.read(waiting.near(), Duration.ofSeconds(20));
                });
                awaitWaiting(List.of(thread));
                if (counted) {
                    assertEquals(beforeWait.size(), OpenFds.count(),
                            () -> "while a read waits: " + OpenFds.openedSince(beforeWait));
                }
                writeFully(waiting.far(), encoded);
                assertEquals(ProxyHeaderTest.tcp4(), waited.get(10, TimeUnit.SECONDS).header());

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
        Thread.State state = thread.getState();
        return Arrays.stream(thread.getStackTrace())
                // a TCP read parks in the JDK; a Unix-domain read parks until the shared selector reports it
                .anyMatch(f -> f.getClassName().startsWith("sun.nio.ch.") && f.getMethodName().equals("park")
                        || f.getClassName().equals("io.splice4j.internal.UnixTimedRead")
                                && f.getMethodName().equals("await") && state == Thread.State.TIMED_WAITING);
    }
}
