package io.splice4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine vs thread per direction (issue 5): 1, 16, 256 and 1000 relays streaming at once, on one
 * {@link io.splice4j.SpliceEngine} with a loop per core (its default pipe pool), against as many
 * zero-copy thread-per-direction relays (two threads, two pipes and four duplicate fds each).
 *
 * <p>Fd budget at 1000 relays, all in this JVM: 4 sockets per relay (its two and their far ends),
 * plus 8 per thread-per-direction relay (a duplicate of both sockets and a pipe per direction):
 * 12 000, or 4 000 plus at most 2 048 for the engine's pool, under the limit of 20 000 here;
 * {@link StreamRig#start} refuses a count that doesn't fit. One operation is
 * {@link StreamRig#OPERATION_BYTES} more bytes delivered in aggregate; see {@link StreamRig} for the
 * fixture and {@link StreamCounters} for CPU, the share of bytes spliced and the fds. Before every
 * iteration the next bytes of every connection are compared with what was sent, and
 * at the end of the trial every relay must account for every byte.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Xms1g", "-Xmx1g"})
public class EngineRelaysBenchmark {

    @Param({"ZERO_COPY_THREADS", "ENGINE"})
    public RelayKind kind;

    @Param({"1", "16", "256", "1000"})
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
