package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The MBeans on the platform MBean server show the figures of what was sent. */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class MBeansTest {

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @Test
    @Timeout(60)
    void theMetricsBeanCountsATransferAndAgreesWithSpliceMetrics() throws Exception {
        ObjectName name = new ObjectName("io.splice4j:type=Metrics");
        SpliceMetrics before = Splice.metrics();
        awaitRegistered(true, name);
        assertTrue(SERVER.isRegistered(name), "registered on first use of the library");
        long size = (2L << 20) + 9;
        SpliceResult result;
        long bytesBefore = (long) SERVER.getAttribute(name, "BytesSpliced") + (long) SERVER.getAttribute(name,
                "BytesCopied");
        String started = "TransfersStarted" + (Splice.zeroCopy() ? "ZeroCopy" : "Portable");
        String finished = "TransfersFinished" + (Splice.zeroCopy() ? "ZeroCopy" : "Portable");
        long startedBefore = (long) SERVER.getAttribute(name, started);
        long finishedBefore = (long) SERVER.getAttribute(name, finished);
        try (Harness harness = new Harness()) {
            Future<Digest> sent = harness.feed(size);
            Future<Digest> received = harness.drain();
            result = Splice.spliceWithResult(harness.source().near(), harness.target().near(), SpliceOptions.defaults());
            harness.endTarget();
            assertEquals(sent.get(), received.get());
        }
        assertEquals(size, result.bytes());
        long bytesAfter = (long) SERVER.getAttribute(name, "BytesSpliced") + (long) SERVER.getAttribute(name,
                "BytesCopied");
        assertEquals(size, bytesAfter - bytesBefore);
        assertEquals(1, (long) SERVER.getAttribute(name, started) - startedBefore);
        assertEquals(1, (long) SERVER.getAttribute(name, finished) - finishedBefore);

        // Nothing runs now: every attribute equals the snapshot's figure.
        SpliceMetrics now = Splice.metrics();
        assertEquals(now.bytesSpliced(), SERVER.getAttribute(name, "BytesSpliced"));
        assertEquals(now.bytesCopied(), SERVER.getAttribute(name, "BytesCopied"));
        assertEquals(now.spliceCalls(), SERVER.getAttribute(name, "SpliceCalls"));
        assertEquals(now.readinessWaits(), SERVER.getAttribute(name, "ReadinessWaits"));
        assertEquals(now.idleTimeouts(), SERVER.getAttribute(name, "IdleTimeouts"));
        assertEquals(now.transfersFailed(TransferPath.ZERO_COPY), SERVER.getAttribute(name, "TransfersFailedZeroCopy"));
        assertEquals(now.transfersFailed(TransferPath.PORTABLE), SERVER.getAttribute(name, "TransfersFailedPortable"));
        assertEquals(now.fallbacks(FallbackReason.POOL_EXHAUSTED), SERVER.getAttribute(name, "FallbacksPoolExhausted"));
        assertEquals(now.fallbacks(FallbackReason.MODE), SERVER.getAttribute(name, "FallbacksMode"));
        long fallbackAttributes = Arrays.stream(SERVER.getMBeanInfo(name).getAttributes())
                .filter(attribute -> attribute.getName().startsWith("Fallbacks")).count();
        assertEquals(FallbackReason.values().length, fallbackAttributes, "one attribute per reason");
        assertTrue(now.minus(before).bytesSpliced() + now.minus(before).bytesCopied() >= size);
    }

    @Test
    @Timeout(60)
    void anEngineBeanShowsItsRelaysAndPipesAndGoesWhenItCloses() throws Exception {
        Assumptions.assumeTrue(SpliceEngine.supported(), "engines run here");
        ObjectName name = new ObjectName("io.splice4j:type=Engine,name=jmx-test-engine");
        SpliceEngine engine = SpliceEngine.builder().loops(2).name("jmx-test-engine").build();
        try (Harness harness = new Harness()) {
            awaitRegistered(true, name);
            assertTrue(SERVER.isRegistered(name));
            assertEquals(2L, SERVER.getAttribute(name, "Loops"));
            assertEquals(0L, SERVER.getAttribute(name, "Relays"));
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            assertEquals(1L, SERVER.getAttribute(name, "Relays"));
            Future<Digest> sent = harness.feed(1 << 20);
            Future<Digest> received = harness.drain();
            assertEquals(sent.get(), received.get());
            assertEquals((long) engine.openPipes(), SERVER.getAttribute(name, "OpenPipes"));
            assertEquals(engine.openPipeBytes(), SERVER.getAttribute(name, "OpenPipeBytes"));
            assertEquals((long) engine.pipeResizeRefusals(), SERVER.getAttribute(name, "PipeResizeRefusals"));
            assertEquals(0L, SERVER.getAttribute(name, "PoolExhaustions"));
            relay.close();
            relay.completion().get(10, TimeUnit.SECONDS);
            assertEquals(0L, SERVER.getAttribute(name, "Relays"));
        } finally {
            engine.close();
        }
        awaitRegistered(false, name);
        assertFalse(SERVER.isRegistered(name), "unregistered when the engine closed");
    }

    @Test
    @Timeout(60)
    void twoEnginesOfOneNameGetTwoBeans() throws Exception {
        Assumptions.assumeTrue(SpliceEngine.supported(), "engines run here");
        ObjectName first = new ObjectName("io.splice4j:type=Engine,name=twin");
        ObjectName second = new ObjectName("io.splice4j:type=Engine,name=twin#2");
        try (SpliceEngine one = SpliceEngine.builder().loops(1).name("twin").build();
                SpliceEngine two = SpliceEngine.builder().loops(1).name("twin").build()) {
            awaitRegistered(true, first, second);
            assertTrue(SERVER.isRegistered(first));
            assertTrue(SERVER.isRegistered(second));
            assertEquals(1L, SERVER.getAttribute(second, "Loops"));
        }
        awaitRegistered(false, first, second);
        assertFalse(SERVER.isRegistered(first));
        assertFalse(SERVER.isRegistered(second));
    }

    @Test
    @Timeout(60)
    void anEngineNameThatObjectNamesReserveIsQuoted() throws Exception {
        Assumptions.assumeTrue(SpliceEngine.supported(), "engines run here");
        String odd = "odd,name=x:\"*?";
        ObjectName name = new ObjectName("io.splice4j:type=Engine,name=" + ObjectName.quote(odd));
        try (SpliceEngine engine = SpliceEngine.builder().loops(1).name(odd).build()) {
            awaitRegistered(true, name);
            assertTrue(SERVER.isRegistered(name), name::toString);
            assertEquals(odd, ObjectName.unquote(name.getKeyProperty("name")));
            assertEquals((long) engine.loops(), SERVER.getAttribute(name, "Loops"));
        }
        awaitRegistered(false, name);
        assertFalse(SERVER.isRegistered(name));
    }

    /**
     * Waits until each bean is registered (or each is gone): registration runs on a thread of its
     * own, and no event says when it is done, so the server is sampled under a deadline.
     */
    private static void awaitRegistered(boolean registered, ObjectName... names) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        for (ObjectName name : names) {
            while (SERVER.isRegistered(name) != registered) {
                assertTrue(System.nanoTime() < deadline, name + (registered ? " never registered" : " never gone"));
                Thread.sleep(5); // sampling a registry that reports no change
            }
        }
    }
}
