package io.splice4j.internal.jfr;

import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/** Flight recordings in a process that ends by {@link Runtime#halt}, which skips JFR's own exit dump. */
public final class Recordings {

    private static final System.Logger LOG = System.getLogger("io.splice4j");

    private Recordings() {
    }

    /**
     * Stops every running recording that has a destination file, which writes it there, as JFR
     * does at a normal exit. Does nothing where JFR never started, so it starts nothing.
     */
    public static void writeBeforeHalt() {
        if (!FlightRecorder.isInitialized()) {
            return;
        }
        for (Recording recording : FlightRecorder.getFlightRecorder().getRecordings()) {
            if (recording.getDestination() != null && recording.getState() == RecordingState.RUNNING) {
                try {
                    recording.stop();
                } catch (RuntimeException e) {
                    // JFR's own exit hook may have stopped it meanwhile, and written it.
                    LOG.log(System.Logger.Level.DEBUG, "splice4j: recording " + recording.getName() + ": " + e);
                }
            }
        }
    }
}
