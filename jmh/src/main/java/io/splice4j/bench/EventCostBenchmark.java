package io.splice4j.bench;

import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import io.splice4j.TransferPath;
import io.splice4j.internal.TransferRecord;
import io.splice4j.internal.Transfers;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
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
 * What the {@code io.splice4j.Transfer} JFR event costs a transfer, by {@link #recording}: none
 * running; one running with the library's events disabled; the event enabled at its default 20 ms
 * threshold (a fast transfer notes its addresses but writes nothing); enabled with no threshold
 * (every transfer writes an event).
 *
 * <ul>
 *   <li>{@link #record}: one transfer's record alone, its whole life (made, ends named, bytes
 *       delivered, finished), as every transfer and relay direction has one: the event's cost with
 *       nothing else around it.
 *   <li>{@link #fileToSocket}: a real 64 KiB file → socket transfer ({@link Splice#transfer}) on
 *       one connection; a {@link Drain} thread reads exactly the bytes at the other end.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Xms1g", "-Xmx1g"})
public class EventCostBenchmark {

    /** Which flight recording runs in the benchmark JVM. */
    public enum RecordingKind {
        /** No recording. */
        NONE,
        /** A recording with the library's events disabled (a JDK event enabled, so JFR is live). */
        DISABLED,
        /** The transfer event enabled at its default 20 ms threshold. */
        DEFAULT_THRESHOLD,
        /** The transfer event enabled with no threshold: every transfer writes one. */
        ALL
    }

    private static final int SIZE = 64 << 10;

    @Param
    public RecordingKind recording;

    private Recording jfr;
    private Path path;
    private FileChannel file;
    private Loopback loopback;
    private Loopback.Pair connection;
    private Drain drain;
    private final SpliceOptions options = SpliceOptions.defaults();

    @Setup(Level.Trial)
    public void start() throws Exception {
        if (recording != RecordingKind.NONE) {
            jfr = new Recording();
            jfr.enable("jdk.SocketRead");
            switch (recording) {
                case DISABLED -> jfr.disable("io.splice4j.Transfer");
                case DEFAULT_THRESHOLD -> jfr.enable("io.splice4j.Transfer").withThreshold(Duration.ofMillis(20));
                default -> jfr.enable("io.splice4j.Transfer").withThreshold(Duration.ZERO);
            }
            jfr.setToDisk(true);
            jfr.setMaxSize(64L << 20);
            jfr.start();
        }
        path = Files.createTempFile("splice4j-bench-", ".bin");
        file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Payload.write(file, 0, SIZE);
        loopback = new Loopback();
        connection = loopback.pair();
        drain = new Drain();
    }

    /** Before every iteration one transfer whose bytes are compared one by one. */
    @Setup(Level.Iteration)
    public void verify() throws Exception {
        Future<Long> received = drain.receive(connection.far(), SIZE, true);
        expectWhole(Splice.transfer(file, 0, SIZE, connection.near()), Peer.await(received));
    }

    @Benchmark
    public long record() {
        TransferRecord record = Transfers.newRecord(options);
        record.between(file, connection.near());
        record.delivered(TransferPath.ZERO_COPY, SIZE);
        record.finished();
        return record.bytes();
    }

    @Benchmark
    public long fileToSocket() throws Exception {
        Future<Long> received = drain.receive(connection.far(), SIZE, false);
        long moved = Splice.transfer(file, 0, SIZE, connection.near());
        expectWhole(moved, Peer.await(received));
        return moved;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (Loopback l = loopback; Loopback.Pair c = connection; Drain d = drain; FileChannel f = file) {
            // Closed in reverse order, each even if another fails.
        } finally {
            Files.deleteIfExists(path);
            if (jfr != null) {
                jfr.close();
            }
        }
    }

    private static void expectWhole(long moved, long other) {
        if (moved != SIZE || other != SIZE) {
            throw new IllegalStateException("moved " + moved + " bytes, the other end " + other + ", of " + SIZE);
        }
    }
}
