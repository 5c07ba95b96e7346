package io.splice4j.bench;

import io.splice4j.Splice;
import io.splice4j.SpliceMetrics;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The streaming benchmarks' secondary results, summed over the measured iterations like
 * {@link CpuCounters}: process CPU and bytes delivered over each measured operation (so the suite
 * can divide them into CPU-seconds per GiB, and bytes by operations into the real size of an
 * operation), the library's own count of bytes spliced and copied meanwhile (the share of bytes that
 * took the zero-copy path), and the open fds per relay (a gauge: the same value each iteration, so
 * the suite divides the sum by the iteration count).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class StreamCounters {

    /** Process CPU nanoseconds inside measured operations. */
    public long cpuNanos;

    /** Bytes the far ends received during measured operations. */
    public long bytes;

    /** Measured operations. */
    public long operations;

    /** Bytes splice4j delivered by splice(2) during measured operations. */
    public long splicedBytes;

    /** Bytes splice4j delivered by copying during measured operations. */
    public long copiedBytes;

    /** Open fds per relay (far ends and relay, pipes included), set once per iteration. */
    public double fdsPerRelay;

    private final ProcessCpu clock = new ProcessCpu();
    private long startNanos;
    private SpliceMetrics startMetrics;

    @Setup(Level.Iteration)
    public void reset() {
        cpuNanos = 0;
        bytes = 0;
        operations = 0;
        splicedBytes = 0;
        copiedBytes = 0;
        fdsPerRelay = 0;
    }

    void start() {
        startMetrics = Splice.metrics();
        startNanos = clock.nanos();
    }

    void add(long bytesMoved, double fds) {
        cpuNanos += clock.nanos() - startNanos;
        SpliceMetrics moved = Splice.metrics().minus(startMetrics);
        bytes += bytesMoved;
        operations++;
        splicedBytes += moved.bytesSpliced();
        copiedBytes += moved.bytesCopied();
        fdsPerRelay = fds;
    }
}
