package io.splice4j.tool;

/**
 * SIGTERM and SIGINT as calls, through the JDK's {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}): a shutdown hook runs only once, so it can't tell a second signal (the
 * operator's "stop now") from the first.
 */
final class StopSignals {

    private StopSignals() {
    }

    /**
     * Runs {@code onSignal} for each SIGTERM and SIGINT from now on, on a thread the JDK starts for it.
     *
     * @return {@code false} where that can't be done ({@code -Xrs}, or no {@code jdk.unsupported}):
     *     the signals then end the JVM through its shutdown hooks
     */
    static boolean install(Runnable onSignal) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> onSignal.run());
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> onSignal.run());
            return true;
        } catch (LinkageError | IllegalArgumentException | UnsupportedOperationException e) {
            return false;
        }
    }
}
