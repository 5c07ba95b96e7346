package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default --max-connections: what the open-files limit leaves after the pipe pool and a reserve. */
class FdBudgetTest {

    @Test
    void twoFdsPerConnectionAfterPipesAndReserve() {
        assertEquals(9900, new FdBudget(OptionalLong.of(20_000), 128, 72).maxConnections());
        assertEquals(400, new FdBudget(OptionalLong.of(1024), 128, 96).maxConnections());
    }

    @Test
    void aTinyLimitStillServesOneAtATime() {
        assertEquals(1, new FdBudget(OptionalLong.of(96), 128, 72).maxConnections());
    }

    @Test
    void anUnknownLimitIsAssumedSmall() {
        FdBudget budget = new FdBudget(OptionalLong.empty(), 0, 24);
        assertEquals(500, budget.maxConnections());
        assertTrue(budget.explain().startsWith("open-files limit unknown, assumed 1024"), budget.explain());
    }

    @Test
    void readsTheSoftLimit(@TempDir Path dir) throws IOException {
        Path limits = dir.resolve("limits");
        Files.writeString(limits, """
                Limit                     Soft Limit           Hard Limit           Units
                Max processes             94357                94357                processes
                Max open files            4096                 20000                files
                Max locked memory         8388608              8388608              bytes
                """);
        assertEquals(OptionalLong.of(4096), FdBudget.softLimit(limits));
        Files.writeString(limits, "Max open files            unlimited            unlimited            files\n");
        assertEquals(OptionalLong.of(Integer.MAX_VALUE), FdBudget.softLimit(limits));
        assertEquals(OptionalLong.empty(), FdBudget.softLimit(dir.resolve("absent")));
    }

    @Test
    void thisProcessReadsProcSelfLimits() throws IOException {
        String line = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        long soft = Long.parseLong(line.split("\\s+")[3]);
        FdBudget budget = FdBudget.ofThisProcess(128, 2);
        assertEquals(OptionalLong.of(soft), budget.fdLimit());
        assertEquals((soft - 128 - 72) / 2, budget.maxConnections());
    }
}
