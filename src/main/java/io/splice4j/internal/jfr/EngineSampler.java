package io.splice4j.internal.jfr;

import io.splice4j.internal.EngineStats;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/** Writes an {@code io.splice4j.Engine} event per running engine at the event's period. */
public final class EngineSampler {

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private EngineSampler() {
    }

    /**
     * Installs the periodic hook once per JVM; later calls do nothing.
     *
     * @param engines the engines running when the hook runs
     */
    public static void install(Supplier<? extends Collection<? extends EngineStats>> engines) {
        if (INSTALLED.compareAndSet(false, true)) {
            // Adding a periodic event starts JFR's machinery (it reads the .jfc files, loads classes):
            // wait for someone to start the recorder, which calls this listener, at once if it has.
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    FlightRecorder.addPeriodicEvent(EngineEvent.class, () -> sample(engines.get()));
                }
            });
        }
    }

    private static void sample(Collection<? extends EngineStats> engines) {
        for (EngineStats engine : engines) {
            EngineEvent event = new EngineEvent();
            event.name = engine.name();
            event.loops = engine.loopCount();
            event.relays = engine.relays();
            event.pipesOpen = engine.openPipes();
            event.pipeBytes = engine.openPipeBytes();
            event.resizeRefusals = engine.pipeResizeRefusals();
            event.poolExhaustions = engine.poolExhaustions();
            event.commit();
        }
    }
}
