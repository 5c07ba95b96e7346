package io.splice4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The settings the suite's benchmarks extend, which JMH reads from a benchmark's superclasses:
 * throughput per second, a thread-scoped state, 1 × 1 s warm-up and 3 × 1 s measured (sized with the
 * others for the full run's 10 minutes on 2 cores), one fork with the library's flags and the same
 * heap for every row. A benchmark that needs another setting puts its own annotation on its class,
 * which JMH takes instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    // Lets splice4j call libc (without it the zero-copy rows fail: they ask for ZERO_COPY).
    "--enable-native-access=ALL-UNNAMED",
    // Lets splice4j read socket fds directly instead of scanning /proc/self/fd per new channel,
    // which would tax every fresh connection.
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    // Room for a 64 MiB payload and buffers, and the same heap for every row.
    "-Xms1g", "-Xmx1g"})
public abstract class BenchmarkDefaults {
}
