package io.splice4j.internal.jmx;

import io.splice4j.FallbackReason;
import io.splice4j.TransferPath;
import io.splice4j.internal.EngineStats;
import io.splice4j.internal.Metrics;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** Registers the library's MBeans on the platform MBean server; only {@link Jmx} calls it. */
final class PlatformBeans {

    private PlatformBeans() {
    }

    static void registerMetrics() throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("io.splice4j:type=Metrics");
        if (!server.isRegistered(name)) {
            try {
                server.registerMBean(new CountersBean("splice4j library-wide counters", metrics()), name);
            } catch (InstanceAlreadyExistsException raced) {
                // Another class loader's copy of the library got there first; its counters stay visible.
            }
        }
    }

    /** The counters of {@code Splice.metrics()}, each attribute read from a fresh snapshot. */
    private static Map<String, LongSupplier> metrics() {
        Map<String, LongSupplier> counters = new LinkedHashMap<>();
        for (TransferPath path : TransferPath.values()) {
            String suffix = camel(path.name());
            counters.put("TransfersStarted" + suffix, () -> Metrics.snapshot().transfersStarted(path));
            counters.put("TransfersFinished" + suffix, () -> Metrics.snapshot().transfersFinished(path));
            counters.put("TransfersFailed" + suffix, () -> Metrics.snapshot().transfersFailed(path));
        }
        counters.put("BytesSpliced", () -> Metrics.snapshot().bytesSpliced());
        counters.put("BytesCopied", () -> Metrics.snapshot().bytesCopied());
        counters.put("SpliceCalls", () -> Metrics.snapshot().spliceCalls());
        counters.put("ReadinessWaits", () -> Metrics.snapshot().readinessWaits());
        counters.put("IdleTimeouts", () -> Metrics.snapshot().idleTimeouts());
        for (FallbackReason reason : FallbackReason.values()) {
            counters.put("Fallbacks" + camel(reason.name()), () -> Metrics.snapshot().fallbacks(reason));
        }
        return counters;
    }

    /** {@code POOL_EXHAUSTED} to {@code PoolExhausted}, {@code EINVAL} to {@code Einval}. */
    private static String camel(String constant) {
        StringBuilder camel = new StringBuilder();
        for (String word : constant.split("_")) {
            camel.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
        }
        return camel.toString();
    }

    static ObjectName registerEngine(EngineStats engine) throws JMException {
        Map<String, LongSupplier> figures = new LinkedHashMap<>();
        figures.put("Loops", engine::loopCount);
        figures.put("Relays", engine::relays);
        figures.put("OpenPipes", engine::openPipes);
        figures.put("OpenPipeBytes", engine::openPipeBytes);
        figures.put("PipeResizeRefusals", engine::pipeResizeRefusals);
        figures.put("PoolExhaustions", engine::poolExhaustions);
        return registerCounters("Engine", engine.name(), figures);
    }

    static ObjectName registerCounters(String type, String name, Map<String, LongSupplier> counters)
            throws JMException {
        return registerUnique(type, name, new CountersBean("splice4j " + type + " " + name, counters));
    }

    /** Returns what unregisters {@code name} once; a failure then is logged, not thrown. */
    static Jmx.Registration unregistering(ObjectName name) {
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                try {
                    ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
                } catch (InstanceNotFoundException gone) {
                    // Someone else unregistered it: nothing left to do.
                } catch (JMException | RuntimeException e) {
                    Jmx.logOnce(e);
                }
            }
        };
    }

    /** Registers under {@code name}, or {@code name#2}, {@code name#3}... if that is taken. */
    private static ObjectName registerUnique(String type, String name, Object bean) throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int n = 1;; n++) {
            ObjectName objectName = objectName(type, n == 1 ? name : name + "#" + n);
            try {
                server.registerMBean(bean, objectName);
                return objectName;
            } catch (InstanceAlreadyExistsException taken) {
                // Two engines may share a name; the next number is free sooner or later.
            }
        }
    }

    private static ObjectName objectName(String type, String name) throws MalformedObjectNameException {
        String value;
        try {
            value = new ObjectName("io.splice4j", "name", name).getKeyProperty("name");
        } catch (MalformedObjectNameException needsQuotes) {
            value = ObjectName.quote(name);
        }
        return new ObjectName("io.splice4j:type=" + type + ",name=" + value);
    }
}
