package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.splice4j.support.Harness;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every transfer is counted once started, on the path it took, and once ended. */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class MetricsTest {

    @Test
    @Timeout(30)
    void aTransferClosedBeforeItsFirstByteCountsAsStartedAndFailed() throws Exception {
        TransferPath path = Splice.zeroCopy() ? TransferPath.ZERO_COPY : TransferPath.PORTABLE;
        try (Harness harness = new Harness()) {
            SpliceMetrics before = Splice.metrics();
            Future<Long> transfer = harness.run(() -> Splice.splice(harness.source().near(), harness.target().near(),
                    SpliceOptions.defaults()));
            awaitWaiting(before, path);
            harness.target().near().close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> transfer.get(10, TimeUnit.SECONDS));
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            SpliceMetrics delta = Splice.metrics().minus(before);
            assertEquals(1, delta.transfersStarted(path), delta::toString);
            assertEquals(1, delta.transfersFailed(path), delta::toString);
            assertEquals(0, delta.transfersFinished(path), delta::toString);
        }
    }

    /**
     * Samples the counters until the transfer waits for its first byte (a zero-copy one counts its
     * wait; a portable one blocks in a read nobody counts, so a little time must do): there is no
     * event for it.
     */
    private static void awaitWaiting(SpliceMetrics before, TransferPath path) throws InterruptedException {
        if (path == TransferPath.PORTABLE) {
            Thread.sleep(200);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Splice.metrics().minus(before).readinessWaits() == 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the transfer never waited");
            }
            Thread.sleep(5);
        }
    }
}
