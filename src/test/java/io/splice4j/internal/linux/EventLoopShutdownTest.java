package io.splice4j.internal.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splice4j.Splice;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A task handed to a loop while it shuts down still runs: deterministic, in the window between the
 * loop's last drain of its queue and the count-down its submitters look at, where a relay started
 * while its engine closed used to be lost (it never completed and kept its channels open).
 */
class EventLoopShutdownTest {

    @Test
    @Timeout(30)
    void aTaskQueuedAfterTheLastDrainButBeforeTheCountDownStillRuns() throws Exception {
        assumeTrue(Splice.zeroCopy(), "an event loop needs native access on Linux");
        EventLoop loop = new EventLoop("shutdown-window", new PipePool(1, 1 << 16, 1 << 16), 1 << 16);
        CountDownLatch ran = new CountDownLatch(1);
        loop.beforeStopped = () -> loop.execute(ran::countDown);
        loop.close();
        assertTrue(ran.await(10, TimeUnit.SECONDS), "the task queued in the window never ran");
    }
}
