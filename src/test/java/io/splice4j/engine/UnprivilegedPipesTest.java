package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splice4j.support.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * As an unprivileged user past {@code pipe-user-pages-soft}, the kernel gives two-page pipes and
 * refuses bigger ones; the engine's pool adapts and every byte still arrives. Root is exempt from
 * that limit, so the relays run in a JVM started as {@code nobody}.
 */
class UnprivilegedPipesTest {

    @Test
    void theEngineAdaptsToTheUnprivilegedPipeLimit() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean runuser = Files.isExecutable(Path.of("/usr/sbin/runuser"));
        if (System.getenv("CI") != null) {
            assertTrue(root && runuser, "CI runs as root with runuser, to start a JVM as nobody");
        }
        assumeTrue(root && runuser, "needs root and runuser to run a JVM as nobody");
        try (ChildJvm child = ChildJvm.start("nobody", SmallPipesProbe.class, List.of("-Xmx512m"), "100")) {
            String pool = child.await("POOL", 120);
            System.out.println("unprivileged engine: " + pool);
            Matcher refusals = Pattern.compile("POOL refusals=(\\d+) ").matcher(pool);
            assertTrue(refusals.find() && Integer.parseInt(refusals.group(1)) > 0, "the kernel refused: " + pool);
            String intact = child.await("INTACT", 180);
            System.out.println("unprivileged engine: " + intact);
            assertTrue(intact.startsWith("INTACT 100 of 100 "), child.output());
            assertEquals(0, child.await(60), child.output());
        }
    }
}
