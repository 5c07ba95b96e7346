package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A virtual thread never waits in a blocking native call: it splices with non-blocking calls and
 * parks on the shared engine's event loop while a socket isn't ready.
 */
class VirtualThreadTest {

    @Test
    void aVirtualThreadSplicesAndParksWhileWaiting() throws Exception {
        long size = 8L << 20;
        try (Harness harness = new Harness(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Digest> sent = harness.feed(size);
            Future<Digest> received = harness.drain();
            SpliceMetrics before = Splice.metrics();
            SpliceResult result = virtual.submit(() -> Splice.spliceWithResult(harness.source().near(),
                    harness.target().near(), SpliceOptions.defaults())).get();
            harness.endTarget();

            assertEquals(new SpliceResult(size, TransferPath.ZERO_COPY, Optional.empty()), result);
            assertEquals(sent.get(), received.get());
            SpliceMetrics delta = Splice.metrics().minus(before);
            assertEquals(size, delta.bytesSpliced());
            assertEquals(0, delta.fallbacks(FallbackReason.VIRTUAL_THREAD));
        }
    }
}
