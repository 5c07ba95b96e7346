package io.splice4j.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Relays streaming at once: 1 to 1000 of each {@link RelayKind}, the plain JDK NIO
 * relays (a blocking read/write loop per direction, 64 KiB direct buffer) as the baseline, splice4j's
 * thread-per-direction relays in PORTABLE and ZERO_COPY mode, and relays on one
 * {@link io.splice4j.SpliceEngine} with a loop per core (its default pipe pool).
 *
 * <p>Fd budget at 1000 relays, all in this JVM: 4 sockets per relay (its two and their far ends),
 * plus 8 per zero-copy thread-per-direction relay (a duplicate of both sockets and a pipe per
 * direction): 12 000, or 4 000 plus at most 2 048 for the engine's pool, under the limit of 20 000
 * here; {@link StreamRig#start} refuses a count that doesn't fit. One operation is
 * {@link StreamRig#OPERATION_BYTES} more bytes delivered in aggregate; see {@link StreamRig} for the
 * fixture and {@link StreamCounters} for CPU, the share of bytes spliced and the fds. Before every
 * iteration the next bytes of every connection are compared with what was sent, and at the end of
 * the trial every relay must account for every byte.
 */
public class StreamingRelaysBenchmark extends BenchmarkDefaults {

    @Param
    public RelayKind kind;

    @Param({"1", "4", "16", "256", "1000"})
    public int relays;

    private StreamRig rig;

    @Setup(Level.Trial)
    public void start() throws Exception {
        rig = StreamRig.start(kind, relays);
    }

    @Setup(Level.Iteration)
    public void verify() {
        rig.verify();
    }

    @Benchmark
    public void stream(StreamCounters counters) {
        rig.next(counters);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (StreamRig r = rig) {
            r.finish();
        }
    }
}
