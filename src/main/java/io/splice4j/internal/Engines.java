package io.splice4j.internal;

import io.splice4j.internal.jfr.EngineSampler;
import io.splice4j.internal.jmx.Jmx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engines running in this JVM, for the periodic {@code io.splice4j.Engine} JFR event and their
 * MBeans: an engine is added when it has started and removed when it closes.
 */
public final class Engines {

    private static final System.Logger LOG = System.getLogger("io.splice4j");
    private static final Map<EngineStats, Jmx.Registration> LIVE = new ConcurrentHashMap<>();

    private Engines() {
    }

    /**
     * Adds a started engine.
     *
     * @param engine the engine
     */
    public static void started(EngineStats engine) {
        try {
            EngineSampler.install(Engines::live);
        } catch (RuntimeException | LinkageError e) {
            // Without the periodic event the engine still runs; JMX below still shows it.
            LOG.log(System.Logger.Level.DEBUG, "splice4j: no periodic JFR engine event: " + e);
        }
        LIVE.put(engine, Jmx.registerEngine(engine));
    }

    /**
     * Removes an engine that closed; removing it twice does nothing.
     *
     * @param engine the engine
     */
    public static void closed(EngineStats engine) {
        Jmx.Registration registration = LIVE.remove(engine);
        if (registration != null) {
            registration.close();
        }
    }

    /**
     * Returns the engines running now.
     *
     * @return a copy
     */
    public static List<EngineStats> live() {
        return List.copyOf(LIVE.keySet());
    }
}
