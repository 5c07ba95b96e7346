package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.ChildJvm;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * With the virtual-thread scheduler at two carriers, 1 000 virtual threads each blocked in
 * {@code Splice.splice} on idle sockets, or in a file → socket transfer to a socket nobody reads,
 * leave the carriers free: another virtual thread ticks on
 * time. A blocking native wait would pin both carriers and freeze it.
 */
class VirtualThreadPinningTest {

    private static final int TRANSFERS = 1000;

    @ParameterizedTest
    @ValueSource(strings = {"sockets", "files"})
    void aThousandParkedSplicesPinNoCarrier(String kind) throws Exception {
        try (ChildJvm child = ChildJvm.start(null, PinningProbe.class, List.of(
                "-Djdk.virtualThreadScheduler.parallelism=2", "-Djdk.virtualThreadScheduler.maxPoolSize=2"),
                String.valueOf(TRANSFERS), kind)) {
            assertEquals("PARKED " + TRANSFERS, child.await("PARKED", 90));
            String ticks = child.await("TICKS", 60);
            System.out.println("1000 parked " + kind + " transfers, 2 carriers: " + ticks);
            long late = Long.parseLong(ticks.substring(ticks.indexOf('=') + 1));
            // Pinned carriers would freeze the ticker until the transfers end (never, here); 500 ms
            // leaves room for a loaded CI machine, and the figure is printed above.
            assertTrue(late < 500, "a 10 ms tick was " + late + " ms late: " + child.output());
            assertEquals("LIVE path=ZERO_COPY bytes=1048576 intact=true", child.await("LIVE", 60));
            assertEquals("DONE zero-copy=" + TRANSFERS, child.await("DONE", 90));
            assertEquals(0, child.await(30), child.output());
        }
    }
}
