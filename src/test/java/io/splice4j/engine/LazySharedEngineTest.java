package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.Splice;
import io.splice4j.support.ChildJvm;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A platform thread's transfer starts the shared engine's loop threads only when it first parks:
 * one that never waits starts none (in a JVM of its own, where nothing else started the engine).
 */
class LazySharedEngineTest {

    @Test
    @Timeout(60)
    void aTransferThatNeverWaitsStartsNoLoopThread() throws Exception {
        try (ChildJvm child = ChildJvm.start(null, LazySharedEngineProbe.class, List.of())) {
            String path = Splice.zeroCopy() ? "ZERO_COPY" : "PORTABLE";
            assertEquals("NOWAIT " + path + " 4096 4096 loops=0", child.await("NOWAIT", 30), child.output());
            String waited = child.await("WAITED", 30);
            assertTrue(waited.startsWith("WAITED 1048576 1048576 1048576 loops="), waited);
            assertEquals(0, child.await(30), child.output());
        }
    }
}
