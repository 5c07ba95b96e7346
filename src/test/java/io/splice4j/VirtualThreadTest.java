package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A virtual thread never waits in a blocking native call: in AUTO it copies, and says so. */
class VirtualThreadTest {

    @Test
    void autoFromAVirtualThreadCopiesAndSaysWhy() throws Exception {
        long size = 8L << 20;
        try (Harness harness = new Harness(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Digest> sent = harness.feed(size);
            Future<Digest> received = harness.drain();
            SpliceMetrics before = Splice.metrics();
            SpliceResult result = virtual.submit(() -> Splice.spliceWithResult(harness.source().near(),
                    harness.target().near(), SpliceOptions.defaults())).get();
            harness.endTarget();

            assertEquals(new SpliceResult(size, TransferPath.PORTABLE, Optional.of(FallbackReason.VIRTUAL_THREAD)),
                    result);
            assertEquals(sent.get(), received.get());
            assertEquals(1, Splice.metrics().minus(before).fallbacks(FallbackReason.VIRTUAL_THREAD));
        }
    }
}
