package io.splice4j.internal.jmx;

import io.splice4j.internal.EngineStats;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/** Registers the library's MBeans on the platform MBean server; only {@link Jmx} calls it. */
final class PlatformBeans {

    private PlatformBeans() {
    }

    static void registerMetrics() throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("io.splice4j:type=Metrics");
        if (!server.isRegistered(name)) {
            try {
                server.registerMBean(new StandardMBean(new MetricsView(), MetricsMXBean.class, true), name);
            } catch (InstanceAlreadyExistsException raced) {
                // Another class loader's copy of the library got there first; its counters stay visible.
            }
        }
    }

    static ObjectName registerEngine(EngineStats engine) throws JMException {
        return registerUnique("Engine", engine.name(),
                new StandardMBean(new EngineView(engine), EngineMXBean.class, true));
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
