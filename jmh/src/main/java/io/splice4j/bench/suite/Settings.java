package io.splice4j.bench.suite;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** The two ways the suite runs. */
enum Settings {

    /**
     * Each benchmark's {@code @Warmup}/{@code @Measurement} (those of {@code BenchmarkDefaults} unless
     * its class has its own), sized together for 2 cores and a budget of 10 minutes for the whole
     * suite: socket → socket 2 × 1 s warm-up and 5 × 1 s measured; the newer benchmarks, with many more
     * rows, 1 × 1 s and 3 × 1 s. One fork per benchmark (a fork costs about a second). The idle
     * footprint runs 9 000 engine relays and 1 000 threaded ones.
     */
    FULL(false, 9000, 1000),

    /**
     * One short measured iteration of each benchmark, no warm-up: does it build, run and verify. The
     * idle footprint runs 1 000 engine relays and 100 threaded ones.
     */
    SMOKE(true, 1000, 100);

    private static final int SMOKE_MILLIS = 300;

    private final boolean override;
    private final int engineRelays;
    private final int threadedRelays;

    Settings(boolean override, int engineRelays, int threadedRelays) {
        this.override = override;
        this.engineRelays = engineRelays;
        this.threadedRelays = threadedRelays;
    }

    void apply(ChainedOptionsBuilder options) {
        options.forks(1)
                // A stalled transfer fails after 60 s on its own (Peer.JOB_TIMEOUT); this is the backstop.
                .timeout(new TimeValue(3, TimeUnit.MINUTES));
        if (override) {
            options.warmupIterations(0)
                    .measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(SMOKE_MILLIS));
        }
    }

    /** Idle relays on an engine for the footprint table. */
    int engineRelays() {
        return engineRelays;
    }

    /** Idle thread-per-direction relays for the footprint table. */
    int threadedRelays() {
        return threadedRelays;
    }

    /** For the table's header. */
    String describe() {
        return override ? "smoke: 1 fork, no warm-up, 1 × " + SMOKE_MILLIS / 1000.0 + " s measured per benchmark"
                : "full: each table's settings are given with it";
    }

    /** How one benchmark actually ran, for its table. */
    static String describe(BenchmarkParams params) {
        int forks = params.getForks();
        String warm = params.getWarmup().getCount() == 0 ? "no warm-up"
                : params.getWarmup().getCount() + " × " + seconds(params.getWarmup().getTime()) + " warm-up";
        return forks + (forks == 1 ? " fork, " : " forks, ") + warm + ", " + params.getMeasurement().getCount()
                + " × " + seconds(params.getMeasurement().getTime()) + " measured";
    }

    private static String seconds(TimeValue time) {
        long millis = time.convertTo(TimeUnit.MILLISECONDS);
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
    }
}
