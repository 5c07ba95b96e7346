package io.splice4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * CPU spent per byte moved, reported by JMH next to each throughput figure as two secondary
 * results ({@code cpuNanos}, {@code bytes}) that the suite divides into CPU-seconds per GiB.
 *
 * <p>{@code cpuNanos} is the process CPU time (see {@link ProcessCpu}) from the start to the end of
 * each measured operation, summed: everything the benchmark JVM burns while bytes move, i.e. the
 * sender thread, the reader (drain) thread and the transferring thread (the benchmark thread, or
 * Netty's event loop), in user and kernel mode, including the kernel's TCP work on loopback, where
 * the sending side also does the receiving side's protocol processing. Background JVM threads
 * (JIT, GC) count too, but after warm-up they are nearly idle. Connecting and closing sockets
 * happens between operations and is not counted.
 *
 * <p>EVENTS counters are summed over the measurement iterations (and forks), so the ratio of the
 * two totals is the CPU per byte over the whole measurement.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CpuCounters {

    /** Process CPU nanoseconds inside measured operations. */
    public long cpuNanos;

    /** Bytes delivered by measured operations. */
    public long bytes;

    private final ProcessCpu clock = new ProcessCpu();

    @Setup(Level.Iteration)
    public void reset() {
        cpuNanos = 0;
        bytes = 0;
    }

    /** Process CPU time now; pass it to {@link #add} when the operation ends. */
    long start() {
        return clock.nanos();
    }

    void add(long startNanos, long bytesMoved) {
        cpuNanos += clock.nanos() - startNanos;
        bytes += bytesMoved;
    }
}
