package io.splice4j.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.FallbackReason;
import io.splice4j.linux.LibC;
import io.splice4j.support.Loopback;
import io.splice4j.support.OpenFds;
import io.splice4j.support.SocketKind;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The flag-free fd matcher finds each channel's own number, for TCP and Unix-domain sockets, from
 * any number of threads at once, at a cost linear in the lookups. Runs in the default JVM, whose
 * {@code --add-exports} lets the test read the true numbers to compare with.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProcFdMatcherTest {

    private static final Method GET_FD_VAL;

    static {
        try {
            GET_FD_VAL = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The channel's true fd number, read the way the JDK does. */
    private static int trueFd(SocketChannel channel) throws ReflectiveOperationException {
        return (int) GET_FD_VAL.invoke(channel);
    }

    private static String link(int fd) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd))).toString();
    }

    private static List<SocketChannel> channels(Loopback loopback, SocketKind kind, int pairs) throws Exception {
        List<SocketChannel> channels = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            Loopback.Pair pair = loopback.pair(kind);
            channels.add(pair.near());
            channels.add(pair.far());
        }
        return channels;
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void findsEveryChannelsOwnNumberAndDuplicatesItsSocket(SocketKind kind) throws Exception {
        Map<Integer, String> before = OpenFds.list();
        ProcFdMatcher matcher = new ProcFdMatcher();
        try (Loopback loopback = new Loopback()) {
            List<SocketChannel> channels = channels(loopback, kind, 20);
            try (Arena arena = Arena.ofConfined()) {
                for (SocketChannel channel : channels) {
                    int fd = trueFd(channel);
                    assertEquals(fd, matcher.find(channel), channel::toString);
                    int owned = matcher.duplicate(channel);
                    matcher.closeWith(arena, owned);
                    assertTrue(owned != fd, "a new number");
                    assertEquals(link(fd), link(owned), "the duplicate is the channel's socket");
                    assertEquals(fd, matcher.find(channel), "found again from the table");
                }
            }
        }
        assertEquals(before.size(), OpenFds.list().size(), () -> OpenFds.openedSince(before));
    }

    @Test
    void theUnixMarkerIsRestored() throws Exception {
        ProcFdMatcher matcher = new ProcFdMatcher();
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(SocketKind.UNIX);
            pair.near().setOption(StandardSocketOptions.SO_LINGER, 7);
            assertEquals(trueFd(pair.near()), matcher.find(pair.near()));
            assertEquals(trueFd(pair.far()), matcher.find(pair.far()));
            assertEquals(7, pair.near().getOption(StandardSocketOptions.SO_LINGER));
            assertEquals(-1, pair.far().getOption(StandardSocketOptions.SO_LINGER), "linger still off");
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aNumberReusedByANewChannelIsFound(SocketKind kind) throws Exception {
        ProcFdMatcher matcher = new ProcFdMatcher();
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair first = loopback.pair(kind);
            int fd = matcher.find(first.near());
            first.near().close();
            assertThrows(AsynchronousCloseException.class, () -> matcher.find(first.near()));
            assertFindsTheNextPairAt(fd, matcher, loopback, kind);
        }
    }

    /**
     * Connects a pair, whose first end takes {@code freed} (the kernel hands out the lowest free
     * number), and checks both ends are found.
     */
    private static void assertFindsTheNextPairAt(int freed, ProcFdMatcher matcher, Loopback loopback, SocketKind kind)
            throws Exception {
        Loopback.Pair next = loopback.pair(kind);
        assertEquals(freed, trueFd(next.far()), "the test's premise: the freed number was reused");
        assertEquals(freed, matcher.find(next.far()));
        assertEquals(trueFd(next.near()), matcher.find(next.near()));
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aNumberLastSeenHoldingAFileIsFoundByItsChangedLink(SocketKind kind, @TempDir Path dir) throws Exception {
        FdProbe probe = new FdProbe(Arena.ofAuto());
        ProcFdMatcher matcher = new ProcFdMatcher(probe);
        try (Loopback loopback = new Loopback()) {
            int fileFd;
            try (FileChannel file = FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                // Sockets opened after the file sit above it, so finding them records the file's number.
                Loopback.Pair above = loopback.pair(kind);
                assertEquals(trueFd(above.near()), matcher.find(above.near()));
                assertEquals(trueFd(above.far()), matcher.find(above.far()));
                fileFd = OpenFds.list().entrySet().stream().filter(fd -> fd.getValue().equals(dir.resolve("f").toString()))
                        .mapToInt(Map.Entry::getKey).findFirst().orElseThrow();
            }
            long listings = probe.listings();
            assertFindsTheNextPairAt(fileFd, matcher, loopback, kind);
            assertEquals(listings + 1, probe.listings(), "found by listing /proc/self/fd: the link changed");
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aDuplicateClosedWithoutTheMatcherDoesNotHideItsNumber(SocketKind kind) throws Exception {
        ProcFdMatcher matcher = new ProcFdMatcher();
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair first = loopback.pair(kind);
            int duplicate = matcher.duplicate(first.near());
            LibC.close(duplicate);
            assertFindsTheNextPairAt(duplicate, matcher, loopback, kind);
        }
    }

    @Test
    void anUnconnectedChannelIsRefusedNamingTheFlag() throws Exception {
        ProcFdMatcher matcher = new ProcFdMatcher();
        try (SocketChannel unconnected = SocketChannel.open()) {
            NotSpliceableException e = assertThrows(NotSpliceableException.class, () -> matcher.find(unconnected));
            assertEquals(FallbackReason.NO_FD, e.reason());
            assertTrue(e.getMessage().startsWith("/proc/self/fd can't tell which fd is a socket with addresses null -> "
                    + "null; add --add-exports java.base/sun.nio.ch=ALL-UNNAMED"), e.getMessage());
        }
    }

    @Test
    void concurrentLookupsOfBothKindsEachFindTheirOwn() throws Exception {
        ProcFdMatcher matcher = new ProcFdMatcher();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Loopback loopback = new Loopback(); Arena arena = Arena.ofShared()) {
            List<List<SocketChannel>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                work.add(channels(loopback, t % 2 == 0 ? SocketKind.UNIX : SocketKind.TCP, 10));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> checked = new ArrayList<>();
            for (List<SocketChannel> channels : work) {
                checked.add(pool.submit(() -> {
                    start.await();
                    for (SocketChannel channel : channels) {
                        assertEquals(trueFd(channel), matcher.find(channel), channel::toString);
                        int owned = matcher.duplicate(channel);
                        matcher.closeWith(arena, owned);
                        assertEquals(link(trueFd(channel)), link(owned), channel::toString);
                    }
                    return channels.size();
                }));
            }
            start.countDown();
            for (Future<Integer> done : checked) {
                assertEquals(20, done.get(1, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void lookupsOfFreshChannelsCostLinearlyManySystemCalls() throws Exception {
        int pairs = 500;
        FdProbe probe = new FdProbe(Arena.ofAuto());
        ProcFdMatcher matcher = new ProcFdMatcher(probe);
        try (Loopback loopback = new Loopback(); Arena arena = Arena.ofConfined()) {
            // The first lookup lists every fd the JVM has; what comes after is what's measured.
            Loopback.Pair warmUp = loopback.pair();
            matcher.find(warmUp.near());
            long[] start = {probe.calls(), probe.listings()};

            // Relays starting one after another: each new pair is looked up as it comes.
            for (int i = 0; i < pairs; i++) {
                Loopback.Pair pair = loopback.pair(i % 2 == 0 ? SocketKind.TCP : SocketKind.UNIX);
                matcher.closeWith(arena, matcher.duplicate(pair.near()));
                assertEquals(trueFd(pair.far()), matcher.find(pair.far()));
            }
            long[] interleaved = {probe.calls(), probe.listings()};

            // Many channels accepted first, then looked up one after another.
            List<SocketChannel> held = channels(loopback, SocketKind.TCP, pairs);
            for (SocketChannel channel : held) {
                assertEquals(trueFd(channel), matcher.find(channel));
            }
            long[] batch = {probe.calls(), probe.listings()};

            long interleavedCalls = interleaved[0] - start[0];
            long batchCalls = batch[0] - interleaved[0];
            System.out.printf("fd lookups: %d interleaved: %d fd system calls, %d listings; %d after accepting"
                    + " them all: %d fd system calls, %d listings%n", 2 * pairs, interleavedCalls,
                    interleaved[1] - start[1], held.size(), batchCalls, batch[1] - interleaved[1]);
            assertTrue(interleavedCalls <= 8L * 2 * pairs, "interleaved: " + interleavedCalls + " calls");
            assertTrue(batchCalls <= 8L * held.size(), "batch: " + batchCalls + " calls");
            assertTrue(batch[1] - start[1] <= 2, "listings of /proc/self/fd: " + (batch[1] - start[1]));
        }
    }
}
