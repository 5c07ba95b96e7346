package io.splice4j.internal.jmx;

import io.splice4j.internal.EngineStats;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The library's MBeans on the platform MBean server, registered lazily: {@code io.splice4j:type=Metrics}
 * when the library first counts something or {@link io.splice4j.Splice#metrics()} is first called,
 * an engine's bean when it starts (removed when it closes).
 *
 * <p>Registering and unregistering run in order on one daemon thread, started when there is work
 * and gone a second after: the first registration starts the platform MBean server, which takes
 * hundreds of milliseconds, and no transfer should wait for that. A failure is logged once and never
 * reaches the caller. {@code -Dsplice4j.jmx=false}, or a module graph without {@code java.management},
 * registers nothing.
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

    /** Work for the registration thread. */
    private interface Task {
        void run() throws Exception;
    }

    private static final System.Logger LOG = System.getLogger("io.splice4j");
    private static final Registration NONE = () -> { };
    private static final AtomicBoolean FAILURE_LOGGED = new AtomicBoolean();
    /** Off by the property, or quietly where {@code java.management} is not in the boot layer (a module path without it). */
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("splice4j.jmx"))
            && ModuleLayer.boot().findModule("java.management").isPresent();
    /** At most one thread, so tasks run in the order given; none while idle. */
    private static final ThreadPoolExecutor WORKER = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> Thread.ofPlatform().daemon().name("splice4j-jmx").unstarted(task));

    private Jmx() {
    }

    /** Registers {@code io.splice4j:type=Metrics} if it is not yet registered. */
    public static void registerMetrics() {
        if (ENABLED) {
            submit(PlatformBeans::registerMetrics);
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
        return ENABLED ? register(() -> PlatformBeans.unregistering(PlatformBeans.registerEngine(engine))) : NONE;
    }

    private interface Registrar {
        Registration register() throws Exception;
    }

    private static Registration register(Registrar registrar) {
        AtomicReference<Registration> done = new AtomicReference<>();
        submit(() -> done.set(registrar.register()));
        // Queued behind the registration, so it finds it done (or failed, then there is nothing to undo).
        return () -> submit(() -> {
            Registration registration = done.getAndSet(null);
            if (registration != null) {
                registration.close();
            }
        });
    }

    private static void submit(Task task) {
        try {
            WORKER.execute(() -> {
                try {
                    task.run();
                } catch (Exception | LinkageError e) {
                    logOnce(e);
                }
            });
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            // No thread for it (out of memory or threads): the bean is missing, the transfer goes on.
            logOnce(e);
        }
    }

    static void logOnce(Throwable e) {
        if (FAILURE_LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "splice4j: MBeans are not registered (further failures not logged): "
                    + e, e);
        }
    }
}
