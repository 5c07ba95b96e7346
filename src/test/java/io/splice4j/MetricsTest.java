package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Harness;
import io.splice4j.support.Loopback;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every transfer is counted once started, on the path it took, and once ended. */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class MetricsTest {

    @Test
    @Timeout(30)
    void aTransferThatFailsBeforeItsFirstByteCountsAsStartedAndFailed() throws Exception {
        try (Harness harness = new Harness()) {
            // The source's peer resets the connection: whenever the transfer first reads, it fails,
            // before a byte has moved, on either path.
            Loopback.resetOnClose(harness.source().far());
            harness.source().far().close();
            SpliceMetrics before = Splice.metrics();
            SpliceException e = assertThrows(SpliceException.class, () -> Splice.splice(harness.source().near(),
                    harness.target().near(), SpliceOptions.defaults()));
            assertTrue(e.getMessage().contains("ECONNRESET") || e.getMessage().contains("Connection reset"),
                    e.getMessage());
            assertEquals(0, e.bytesDelivered());
            // Counted once, started and failed on the same path: zero-copy where the fd is found (a
            // reset socket has no peer address, so the flag-free matcher copies, NO_FD).
            SpliceMetrics delta = Splice.metrics().minus(before);
            for (TransferPath path : TransferPath.values()) {
                assertEquals(delta.transfersStarted(path), delta.transfersFailed(path), delta::toString);
                assertEquals(0, delta.transfersFinished(path), delta::toString);
            }
            assertEquals(1, delta.transfersStarted(TransferPath.ZERO_COPY) + delta.transfersStarted(TransferPath.PORTABLE),
                    delta::toString);
        }
    }
}
