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
 * Concurrency (issue 4): 1, 4 and 16 thread-per-direction relays streaming at once, zero-copy and
 * portable, against the same number of plain JDK NIO relays (a blocking read/write loop per
 * direction, 64 KiB direct buffer). One operation is {@link StreamRig#OPERATION_BYTES} more bytes
 * delivered in aggregate; see {@link StreamRig} for the fixture and {@link StreamCounters} for CPU.
 * Before every iteration the next bytes of every connection are compared with what was sent, and
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
public class ConcurrentRelaysBenchmark {

    @Param({"NIO_THREADS", "PORTABLE_THREADS", "ZERO_COPY_THREADS"})
    public RelayKind kind;

    @Param({"1", "4", "16"})
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
