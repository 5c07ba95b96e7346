package io.splice4j.internal.jmx;

import io.splice4j.internal.EngineStats;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The library's MBeans on the platform MBean server, registered lazily: {@code io.splice4j:type=Metrics}
 * when the library first counts something or {@link io.splice4j.Splice#metrics()} is first called,
 * an engine's bean when it starts (removed when it closes), the forwarder's when it listens. A
 * registration that fails is logged once and never fails the caller. {@code -Dsplice4j.jmx=false},
 * or a module graph without {@code java.management}, registers nothing.
 *
 * <p>This class names no {@code javax.management} type, so that it loads without the module.
 */
public final class Jmx {

    /** Undoes a registration; closing twice, or closing what never registered, does nothing. */
    public interface Registration extends AutoCloseable {
        /** Unregisters the bean. */
        @Override
        void close();
    }

    private static final System.Logger LOG = System.getLogger("io.splice4j");
    private static final Registration NONE = () -> { };
    private static final AtomicBoolean FAILURE_LOGGED = new AtomicBoolean();
    /** Off by the property, or quietly where {@code java.management} is not in the boot layer (a module path without it). */
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("splice4j.jmx"))
            && ModuleLayer.boot().findModule("java.management").isPresent();

    private Jmx() {
    }

    /** Registers {@code io.splice4j:type=Metrics} if it is not yet registered. */
    public static void registerMetrics() {
        if (!ENABLED) {
            return;
        }
        try {
            PlatformBeans.registerMetrics();
        } catch (Exception | LinkageError e) {
            logOnce(e);
        }
    }

    /**
     * Registers {@code io.splice4j:type=Engine,name=<engine name>} ({@code name#2} and so on if an
     * engine of that name is registered already).
     *
     * @param engine the engine just started
     * @return what unregisters it when the engine closes
     */
    public static Registration registerEngine(EngineStats engine) {
        if (!ENABLED) {
            return NONE;
        }
        try {
            return PlatformBeans.unregistering(PlatformBeans.registerEngine(engine));
        } catch (Exception | LinkageError e) {
            logOnce(e);
            return NONE;
        }
    }

    /**
     * Registers read-only {@code long} attributes as {@code io.splice4j:type=<type>,name=<name>}.
     *
     * @param type the bean's type key, e.g. {@code Forwarder}
     * @param name its name key, quoted if it needs to be
     * @param counters attribute names and where to read them
     * @return what unregisters it
     */
    public static Registration registerCounters(String type, String name, Map<String, LongSupplier> counters) {
        if (!ENABLED) {
            return NONE;
        }
        try {
            return PlatformBeans.unregistering(PlatformBeans.registerCounters(type, name, counters));
        } catch (Exception | LinkageError e) {
            logOnce(e);
            return NONE;
        }
    }

    static void logOnce(Throwable e) {
        if (FAILURE_LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "splice4j: MBeans are not registered (further failures not logged): "
                    + e, e);
        }
    }
}
