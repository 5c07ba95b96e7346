package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.support.OpenFds;
import java.util.Map;

/**
 * The fd count a test compares against. The first run of each scenario makes the JDK open fds it
 * keeps for good (/dev/random and /dev/urandom for its security providers, the socket it dup2()s
 * over a channel closed under a blocked thread, the epoll instances of its virtual-thread pollers):
 * counted after that, a leak is a leak.
 */
final class FdBaseline {

    private static boolean warmedUp;

    private FdBaseline() {
    }

    /**
     * Returns the fds open now, after the once-per-JVM warm-up. The shared engine's pooled pipes
     * come and go with use and are accounted for separately.
     */
    static synchronized Map<Integer, String> take() throws Exception {
        if (!warmedUp) {
            for (SpliceMode mode : new SpliceMode[] {SpliceMode.ZERO_COPY, SpliceMode.PORTABLE}) {
                TransferScenarios.completes(mode, 100_000);
                TransferScenarios.sourceResetMidTransfer(mode, 10_000);
                TransferScenarios.targetResetMidTransfer(mode, 65_536);
                // A virtual thread blocking in the JDK's own I/O makes it create its pollers for good.
                try (var virtual = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    virtual.submit(() -> {
                        TransferScenarios.completes(mode, 100_000);
                        return null;
                    }).get();
                }
            }
            warmedUp = true;
        }
        pipesAtBaseline = SpliceEngine.shared().openPipes();
        return OpenFds.list();
    }

    private static int pipesAtBaseline;

    /**
     * Asserts that exactly the fds of {@code before} are open, naming any new ones, give or take
     * the shared engine's pooled pipes (two fds each).
     */
    static void assertNoLeak(Map<Integer, String> before) {
        Map<Integer, String> now = OpenFds.list();
        int pipeFds = 2 * (SpliceEngine.shared().openPipes() - pipesAtBaseline);
        assertEquals(before.size() + pipeFds, now.size(), () -> "open fds (engine pipe fds " + pipeFds + "): "
                + OpenFds.openedSince(before));
    }
}
