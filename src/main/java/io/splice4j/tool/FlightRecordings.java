package io.splice4j.tool;

import java.util.concurrent.TimeUnit;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * Flight recordings in a process that ends by {@link Runtime#halt} from a shutdown hook, which
 * would cut short JFR's own exit dump: that runs in a shutdown hook too, concurrently.
 */
final class FlightRecordings {

    /** The JDK's name for JFR's shutdown hook thread. */
    private static final String JFR_HOOK = "JFR Shutdown Hook";

    private FlightRecordings() {
    }

    /**
     * Stops every running recording that has a destination file, which writes it there, then waits
     * (up to 10 s) for JFR's own exit hook to finish whatever it was writing. Does nothing where JFR
     * never started, so it starts nothing.
     */
    static void writeBeforeHalt() {
        if (!FlightRecorder.isInitialized()) {
            return;
        }
        for (Recording recording : FlightRecorder.getFlightRecorder().getRecordings()) {
            if (recording.getDestination() != null && recording.getState() == RecordingState.RUNNING) {
                try {
                    recording.stop();
                } catch (RuntimeException e) {
                    // JFR's own exit hook stopped it meanwhile, and writes it: waited for below.
                    ForwarderLog.debug("recording {0}: {1}", recording.getName(), e.toString());
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (JFR_HOOK.equals(thread.getName())) {
                try {
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
