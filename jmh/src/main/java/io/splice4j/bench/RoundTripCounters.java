package io.splice4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * CPU per round trip, as two secondary results ({@code cpuNanos}, {@code roundTrips}) that the suite
 * divides: the process CPU time (see {@link ProcessCpu}) over each measured batch of round trips,
 * i.e. the client (the benchmark thread), the echo thread and the relay's threads, user and kernel.
 * Summed over the measured iterations, like {@link CpuCounters}.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class RoundTripCounters {

    /** Process CPU nanoseconds inside measured batches. */
    public long cpuNanos;

    /** Round trips completed by measured batches. */
    public long roundTrips;

    private final ProcessCpu clock = new ProcessCpu();

    @Setup(Level.Iteration)
    public void reset() {
        cpuNanos = 0;
        roundTrips = 0;
    }

    long start() {
        return clock.nanos();
    }

    void add(long startNanos, long count) {
        cpuNanos += clock.nanos() - startNanos;
        roundTrips += count;
    }
}
