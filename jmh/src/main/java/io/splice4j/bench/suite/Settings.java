package io.splice4j.bench.suite;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** The two ways the suite runs. */
enum Settings {

    /**
     * Sized for 2 cores and a budget of 10 minutes for the whole suite: one fork per benchmark
     * (a fork costs about a second), short warm-up (the loops are small and compile fast), and
     * measured time long enough that even 64 MiB transfers run dozens of times.
     */
    FULL(1, 2, 1000, 5, 1000),

    /** One short measured iteration of each benchmark, no warm-up: does it build, run and verify. */
    SMOKE(1, 0, 0, 1, 300);

    private final int forks;
    private final int warmups;
    private final int warmupMillis;
    private final int iterations;
    private final int iterationMillis;

    Settings(int forks, int warmups, int warmupMillis, int iterations, int iterationMillis) {
        this.forks = forks;
        this.warmups = warmups;
        this.warmupMillis = warmupMillis;
        this.iterations = iterations;
        this.iterationMillis = iterationMillis;
    }

    void apply(ChainedOptionsBuilder options) {
        options.forks(forks)
                .warmupIterations(warmups)
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(iterationMillis))
                // A stalled transfer fails after 60 s on its own (Peer.JOB_TIMEOUT); this is the backstop.
                .timeout(new TimeValue(3, TimeUnit.MINUTES));
        if (warmups > 0) {
            options.warmupTime(TimeValue.milliseconds(warmupMillis));
        }
    }

    /** For the table's header. */
    String describe() {
        String measured = iterations + " × " + seconds(iterationMillis) + " measured";
        String warm = warmups == 0 ? "no warm-up" : warmups + " × " + seconds(warmupMillis) + " warm-up";
        return forks + (forks == 1 ? " fork, " : " forks, ") + warm + ", " + measured;
    }

    private static String seconds(int millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
    }
}
