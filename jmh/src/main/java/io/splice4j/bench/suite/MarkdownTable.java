package io.splice4j.bench.suite;

import io.splice4j.bench.ConcurrentRelaysBenchmark;
import io.splice4j.bench.Contender;
import io.splice4j.bench.EngineRelaysBenchmark;
import io.splice4j.bench.FileBenchmark;
import io.splice4j.bench.FileContender;
import io.splice4j.bench.FileDirection;
import io.splice4j.bench.RelayKind;
import io.splice4j.bench.RoundTripBenchmark;
import io.splice4j.bench.RoundTripPath;
import io.splice4j.bench.SocketToSocketBenchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Version;

/**
 * The results as Markdown: a header with date, machine, JDK and settings; then a table per
 * benchmark, each row absolute and as a ratio to that table's baseline row measured in the same run
 * (socket → socket, relay round trip, concurrent relays, engine vs threads, files); the idle
 * footprint; then any other benchmark, listed plainly.
 */
final class MarkdownTable {

    private static final double GIB = 1L << 30;
    private static final double MIB = 1L << 20;
    private static final Contender BASELINE = Contender.NIO_DIRECT_64K;

    private static final String SOCKET_TO_SOCKET = prefix(SocketToSocketBenchmark.class);
    private static final String ROUND_TRIP = prefix(RoundTripBenchmark.class);
    private static final String CONCURRENT = prefix(ConcurrentRelaysBenchmark.class);
    private static final String ENGINE = prefix(EngineRelaysBenchmark.class);
    private static final String FILES = prefix(FileBenchmark.class);
    private static final Set<String> WITH_TABLES = Set.of(SOCKET_TO_SOCKET, ROUND_TRIP, CONCURRENT, ENGINE, FILES);

    private MarkdownTable() {
    }

    private static String prefix(Class<?> benchmark) {
        return benchmark.getName() + ".";
    }

    static String render(Collection<RunResult> runs, List<Footprint.Result> footprints, Instant started,
            String settings) {
        StringBuilder out = new StringBuilder();
        out.append("## splice4j benchmarks, ")
                .append(DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC).format(started)).append("\n\n");
        out.append(Machine.describe()).append(" · JDK ").append(System.getProperty("java.runtime.version"))
                .append(" (").append(System.getProperty("java.vm.vendor")).append(") · JMH ")
                .append(Optional.ofNullable(Version.getPlainVersion()).orElse("?")).append(": ").append(settings)
                .append("\n\n");
        section(runs, SOCKET_TO_SOCKET, out, MarkdownTable::socketToSocket);
        section(runs, ROUND_TRIP, out, MarkdownTable::roundTrip);
        section(runs, CONCURRENT, out, MarkdownTable::concurrent);
        section(runs, ENGINE, out, MarkdownTable::engine);
        section(runs, FILES, out, MarkdownTable::files);
        if (!footprints.isEmpty()) {
            footprint(footprints, out);
        }
        List<RunResult> others = runs.stream()
                .filter(run -> WITH_TABLES.stream().noneMatch(run.getParams().getBenchmark()::startsWith)).toList();
        if (!others.isEmpty()) {
            others(others, out);
        }
        return out.toString();
    }

    private interface Renderer {
        void render(List<RunResult> runs, StringBuilder out);
    }

    private static void section(Collection<RunResult> runs, String prefix, StringBuilder out, Renderer renderer) {
        List<RunResult> mine = runs.stream().filter(run -> run.getParams().getBenchmark().startsWith(prefix)).toList();
        if (!mine.isEmpty()) {
            renderer.render(mine, out);
        }
    }

    /** "Settings: ..." of a table, from how its first row actually ran. */
    private static String settingsOf(List<RunResult> runs) {
        return "Settings: " + Settings.describe(runs.get(0).getParams()) + ".";
    }

    // ---- Socket → socket ------------------------------------------------------------------------

    /** One socket → socket figure. */
    private record Row(int payload, Contender contender, double bytesPerSecond, double relativeError,
            double cpuSecondsPerGib) {

        static Row of(RunResult run) {
            BenchmarkParams params = run.getParams();
            Result<?> primary = run.getAggregatedResult().getPrimaryResult();
            int payload = Integer.parseInt(params.getParam("payload"));
            return new Row(payload, Contender.valueOf(params.getParam("contender")), primary.getScore() * payload,
                    primary.getScoreError() / primary.getScore(), MarkdownTable.cpuSecondsPerGib(run.getAggregatedResult()));
        }
    }

    private static void socketToSocket(List<RunResult> runs, StringBuilder out) {
        List<Row> rows = runs.stream().map(Row::of)
                .sorted(Comparator.comparingInt(Row::payload).thenComparing(Row::contender)).toList();
        Map<Integer, Row> baselines = rows.stream().filter(r -> r.contender() == BASELINE)
                .collect(Collectors.toMap(Row::payload, Function.identity()));

        out.append("### Socket → socket, one direction, loopback\n\n");
        out.append("A fresh transfer per operation over pre-connected loopback pairs, a sender and a reader on"
                + " threads of their own. Throughput ± JMH's 99.9 % error. CPU-s/GiB is the benchmark JVM's"
                + " process CPU time (sender, reader and transfer threads, user + kernel) per GiB delivered."
                + " Ratios divide by the JDK NIO 64 KiB direct-buffer row of the same payload: throughput"
                + " above 1 and CPU below 1 are better. ").append(settingsOf(runs)).append("\n\n");
        out.append("| Payload | Transfer | Throughput | CPU-s/GiB | Throughput vs NIO | CPU vs NIO |\n");
        out.append("|---|---|--:|--:|--:|--:|\n");
        for (Row row : rows) {
            Optional<Row> base = Optional.ofNullable(baselines.get(row.payload()));
            out.append("| ").append(size(row.payload()))
                    .append(" | ").append(row.contender().label())
                    .append(" | ").append(rate(row.bytesPerSecond())).append(error(row.relativeError()))
                    .append(" | ").append(cpu(row.cpuSecondsPerGib()))
                    .append(" | ").append(base.map(b -> ratio(row.bytesPerSecond() / b.bytesPerSecond())).orElse("–"))
                    .append(" | ").append(base.map(b -> ratio(row.cpuSecondsPerGib() / b.cpuSecondsPerGib()))
                            .orElse("–"))
                    .append(" |\n");
        }
        out.append('\n');
    }

    // ---- Relay round trip -----------------------------------------------------------------------

    private record RoundTrip(int message, RoundTripPath path, double perSecond, double relativeError,
            double cpuMicros) {

        static RoundTrip of(RunResult run) {
            BenchmarkParams params = run.getParams();
            BenchmarkResult result = run.getAggregatedResult();
            Result<?> primary = result.getPrimaryResult();
            return new RoundTrip(Integer.parseInt(params.getParam("message")),
                    RoundTripPath.valueOf(params.getParam("path")), primary.getScore(),
                    primary.getScoreError() / primary.getScore(),
                    secondary(result, "cpuNanos") / 1e3 / secondary(result, "roundTrips"));
        }
    }

    private static void roundTrip(List<RunResult> runs, StringBuilder out) {
        List<RoundTrip> rows = runs.stream().map(RoundTrip::of)
                .sorted(Comparator.comparingInt(RoundTrip::message).thenComparing(RoundTrip::path)).toList();
        Map<Integer, Map<RoundTripPath, RoundTrip>> bySize = rows.stream().collect(Collectors.groupingBy(
                RoundTrip::message, TreeMap::new, Collectors.toMap(RoundTrip::path, Function.identity())));

        out.append("### Relay round trip: small-message ping-pong, loopback\n\n");
        out.append("The client writes one message and waits for its echo before it sends the next; an echo thread"
                + " returns each message. A relay row puts a splice4j relay between them (two loopback"
                + " connections, a thread per direction or an engine), the direct row connects them straight:"
                + " the baseline. TCP_NODELAY on every socket; every echo is compared with what was sent."
                + " Round trips/s ± JMH's 99.9 % error, and its inverse in µs. CPU-µs is the process CPU time"
                + " (client, echo and relay threads, user + kernel) per round trip. Ratios divide by the direct"
                + " row of the same size. ").append(settingsOf(runs)).append("\n\n");
        out.append("| Message | Path | Round trips/s | µs per round trip | CPU-µs per round trip"
                + " | Rate vs direct | CPU vs direct |\n");
        out.append("|---|---|--:|--:|--:|--:|--:|\n");
        for (RoundTrip row : rows) {
            Optional<RoundTrip> base = Optional.ofNullable(bySize.get(row.message()).get(RoundTripPath.DIRECT));
            out.append("| ").append(bytes(row.message()))
                    .append(" | ").append(row.path().label())
                    .append(" | ").append(String.format(Locale.ROOT, "%.0f", row.perSecond()))
                    .append(error(row.relativeError()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", 1e6 / row.perSecond()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", row.cpuMicros()))
                    .append(" | ").append(base.map(b -> ratio(row.perSecond() / b.perSecond())).orElse("–"))
                    .append(" | ").append(base.map(b -> ratio(row.cpuMicros() / b.cpuMicros())).orElse("–"))
                    .append(" |\n");
        }
        out.append('\n');
        // The question of the table: does splicing beat copying in the relay, at which size?
        List<String> verdicts = new ArrayList<>();
        bySize.forEach((message, paths) -> {
            RoundTrip zeroCopy = paths.get(RoundTripPath.RELAY_ZERO_COPY);
            RoundTrip portable = paths.get(RoundTripPath.RELAY_PORTABLE);
            if (zeroCopy != null && portable != null) {
                verdicts.add(String.format(Locale.ROOT, "%s: rate %.2f, CPU %.2f", bytes(message),
                        zeroCopy.perSecond() / portable.perSecond(), zeroCopy.cpuMicros() / portable.cpuMicros()));
            }
        });
        if (!verdicts.isEmpty()) {
            out.append("Zero-copy relay ÷ portable relay (thread per direction both): ")
                    .append(String.join("; ", verdicts)).append(".\n\n");
        }
    }

    // ---- Streaming relays -----------------------------------------------------------------------

    /** One streaming figure: aggregate rate, CPU, spliced share, fds. */
    private record Stream(int relays, RelayKind kind, double bytesPerSecond, double relativeError,
            double cpuSecondsPerGib, double splicedShare, double fdsPerRelay) {

        static Stream of(RunResult run) {
            BenchmarkParams params = run.getParams();
            BenchmarkResult result = run.getAggregatedResult();
            Result<?> primary = result.getPrimaryResult();
            double bytesPerOperation = secondary(result, "bytes") / secondary(result, "operations");
            double spliced = secondary(result, "splicedBytes");
            double copied = secondary(result, "copiedBytes");
            return new Stream(Integer.parseInt(params.getParam("relays")), RelayKind.valueOf(params.getParam("kind")),
                    primary.getScore() * bytesPerOperation, primary.getScoreError() / primary.getScore(),
                    MarkdownTable.cpuSecondsPerGib(result),
                    spliced + copied == 0 ? Double.NaN : spliced / (spliced + copied),
                    secondary(result, "fdsPerRelay") / iterations(run));
        }
    }

    private static List<Stream> streams(List<RunResult> runs) {
        return runs.stream().map(Stream::of)
                .sorted(Comparator.comparingInt(Stream::relays).thenComparing(Stream::kind)).toList();
    }

    private static final String STREAMING = "Every relay carries an endless one-way stream (the far ends: one"
            + " selector thread writing into every relay, one reading every relay's output, in the same JVM);"
            + " an operation ends when 16 MiB more have arrived in all, so the throughput is the aggregate over"
            + " all relays ± JMH's 99.9 % error. CPU-s/GiB is the process CPU time (far ends and relays, user +"
            + " kernel) per GiB delivered. Before every iteration each stream's next bytes are compared with what"
            + " was sent; at the end every relay must account for every byte. ";

    private static void concurrent(List<RunResult> runs, StringBuilder out) {
        List<Stream> rows = streams(runs);
        Map<Integer, Stream> baselines = rows.stream().filter(r -> r.kind() == RelayKind.NIO_THREADS)
                .collect(Collectors.toMap(Stream::relays, Function.identity()));
        out.append("### Concurrent relays, a thread per direction, streaming\n\n");
        out.append(STREAMING).append("Ratios divide by the JDK NIO relays (a blocking read/write loop per"
                + " direction, 64 KiB direct buffer) at the same count. ").append(settingsOf(runs)).append("\n\n");
        out.append("| Relays | Relay | Aggregate throughput | CPU-s/GiB | Throughput vs NIO | CPU vs NIO |\n");
        out.append("|--:|---|--:|--:|--:|--:|\n");
        for (Stream row : rows) {
            Optional<Stream> base = Optional.ofNullable(baselines.get(row.relays()));
            out.append("| ").append(row.relays())
                    .append(" | ").append(row.kind().label())
                    .append(row.kind() == RelayKind.NIO_THREADS ? " (baseline)" : "")
                    .append(" | ").append(rate(row.bytesPerSecond())).append(error(row.relativeError()))
                    .append(" | ").append(cpu(row.cpuSecondsPerGib()))
                    .append(" | ").append(base.map(b -> ratio(row.bytesPerSecond() / b.bytesPerSecond())).orElse("–"))
                    .append(" | ").append(base.map(b -> ratio(row.cpuSecondsPerGib() / b.cpuSecondsPerGib()))
                            .orElse("–"))
                    .append(" |\n");
        }
        out.append('\n');
    }

    private static void engine(List<RunResult> runs, StringBuilder out) {
        List<Stream> rows = streams(runs);
        Map<Integer, Stream> baselines = rows.stream().filter(r -> r.kind() == RelayKind.ZERO_COPY_THREADS)
                .collect(Collectors.toMap(Stream::relays, Function.identity()));
        out.append("### Engine vs a thread per direction, streaming\n\n");
        out.append(STREAMING).append("The engine has a loop per core and its default pipe pool (256 KiB pipes,"
                + " at most 64 MiB); past that a chunk is copied. Spliced: the library's bytes spliced ÷ bytes"
                + " spliced or copied while measuring. Fds per relay: open fds ÷ relays while streaming, far ends"
                + " and the engine's own included. Ratios divide by the zero-copy thread-per-direction relays at"
                + " the same count. ").append(settingsOf(runs)).append("\n\n");
        out.append("| Relays | Relay | Aggregate throughput | CPU-s/GiB | Spliced | Fds per relay"
                + " | Throughput vs threads | CPU vs threads |\n");
        out.append("|--:|---|--:|--:|--:|--:|--:|--:|\n");
        for (Stream row : rows) {
            Optional<Stream> base = Optional.ofNullable(baselines.get(row.relays()));
            out.append("| ").append(row.relays())
                    .append(" | ").append(row.kind().label())
                    .append(row.kind() == RelayKind.ZERO_COPY_THREADS ? " (baseline)" : "")
                    .append(" | ").append(rate(row.bytesPerSecond())).append(error(row.relativeError()))
                    .append(" | ").append(cpu(row.cpuSecondsPerGib()))
                    .append(" | ").append(Double.isNaN(row.splicedShare()) ? "–"
                            : String.format(Locale.ROOT, "%.0f %%", row.splicedShare() * 100))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", row.fdsPerRelay()))
                    .append(" | ").append(base.map(b -> ratio(row.bytesPerSecond() / b.bytesPerSecond())).orElse("–"))
                    .append(" | ").append(base.map(b -> ratio(row.cpuSecondsPerGib() / b.cpuSecondsPerGib()))
                            .orElse("–"))
                    .append(" |\n");
        }
        out.append('\n');
    }

    // ---- Files ----------------------------------------------------------------------------------

    private record FileRow(FileDirection direction, int size, FileContender contender, double bytesPerSecond,
            double relativeError, double cpuSecondsPerGib) {

        static FileRow of(RunResult run) {
            BenchmarkParams params = run.getParams();
            Result<?> primary = run.getAggregatedResult().getPrimaryResult();
            int size = Integer.parseInt(params.getParam("size"));
            return new FileRow(FileDirection.valueOf(params.getParam("direction")), size,
                    FileContender.valueOf(params.getParam("contender")), primary.getScore() * size,
                    primary.getScoreError() / primary.getScore(),
                    MarkdownTable.cpuSecondsPerGib(run.getAggregatedResult()));
        }
    }

    private static void files(List<RunResult> runs, StringBuilder out) {
        List<FileRow> rows = runs.stream().map(FileRow::of)
                .sorted(Comparator.comparing(FileRow::direction).thenComparingInt(FileRow::size)
                        .thenComparing(FileRow::contender)).toList();
        Map<String, FileRow> baselines = rows.stream().filter(r -> r.contender() == FileContender.JDK)
                .collect(Collectors.toMap(r -> r.direction() + "/" + r.size(), Function.identity()));
        out.append("### Files ↔ socket, loopback, page cache warm\n\n");
        out.append("One transfer of the whole size per operation between position 0 of a file in ")
                .append(tmpFileSystem()).append(" and a loopback connection made once per trial, on the benchmark"
                + " thread; a reader (file → socket) or a writer (socket → file) thread at the connection's"
                + " other end. Socket → file overwrites the same cached pages each time; the kernel's"
                + " writeback runs outside this process. Before every iteration one transfer is compared byte by"
                + " byte (the file is emptied first and read back after). Throughput ± JMH's 99.9 % error;"
                + " CPU-s/GiB is the process CPU time (both threads, user + kernel) per GiB. Ratios divide by"
                + " the JDK's own transfer of the same direction and size (transferTo, transferFrom). ")
                .append(settingsOf(runs)).append("\n\n");
        out.append("| Direction | Size | Transfer | Throughput | CPU-s/GiB | Throughput vs JDK | CPU vs JDK |\n");
        out.append("|---|---|---|--:|--:|--:|--:|\n");
        for (FileRow row : rows) {
            Optional<FileRow> base = Optional.ofNullable(baselines.get(row.direction() + "/" + row.size()));
            out.append("| ").append(row.direction().label())
                    .append(" | ").append(size(row.size()))
                    .append(" | ").append(row.contender().label(row.direction()))
                    .append(row.contender() == FileContender.JDK ? " (baseline)" : "")
                    .append(" | ").append(rate(row.bytesPerSecond())).append(error(row.relativeError()))
                    .append(" | ").append(cpu(row.cpuSecondsPerGib()))
                    .append(" | ").append(base.map(b -> ratio(row.bytesPerSecond() / b.bytesPerSecond())).orElse("–"))
                    .append(" | ").append(base.map(b -> ratio(row.cpuSecondsPerGib() / b.cpuSecondsPerGib()))
                            .orElse("–"))
                    .append(" |\n");
        }
        out.append('\n');
    }

    /**
     * Which file system holds java.io.tmpdir (the benchmark forks use the same), from
     * /proc/self/mounts: the longest mount point that contains it.
     */
    private static String tmpFileSystem() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        String type = null;
        String device = null;
        int longest = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] fields = line.split(" ");
                if (fields.length < 3) {
                    continue;
                }
                Path mountPoint = Path.of(fields[1].replace("\\040", " "));
                if (tmp.startsWith(mountPoint) && fields[1].length() > longest) {
                    longest = fields[1].length();
                    device = fields[0];
                    type = fields[2];
                }
            }
        } catch (IOException | RuntimeException e) {
            return tmp + " (file system unknown)";
        }
        if (type == null) {
            return tmp.toString();
        }
        String kind = type.equals("tmpfs") || type.equals("ramfs") ? "memory, not a disk"
                : "a disk file system, not tmpfs";
        return tmp + " (" + type + " on " + device + ": " + kind + ")";
    }

    // ---- Idle footprint -------------------------------------------------------------------------

    private static void footprint(List<Footprint.Result> results, StringBuilder out) {
        out.append("### Idle footprint\n\n");
        out.append("Relays that carry nothing, after one 64-byte echo through each (verified by the far ends),"
                + " measured in a JVM of their own (`IdleFootprint`: -Xms512m -Xmx512m -XX:+AlwaysPreTouch,"
                + " NMT summary) while the far ends live in another. Per relay: heap used after GC, NMT"
                + " committed memory outside the heap, and RSS growth (the heap is pre-touched, so that is"
                + " native memory), each the difference from before the relays ÷ relays; fds per relay: its"
                + " sockets plus what the relay opened. Idle CPU: process CPU over 2 s of idleness, in % of one"
                + " core. Engine: SpliceEngine with a loop per core; threads: a zero-copy thread-per-direction"
                + " relay (fewer of them: each holds 10 fds and 2 threads). After closing every relay the fd"
                + " count is back to where it was.\n\n");
        out.append("| Relays | Relay | Heap per relay | Native per relay (NMT) | RSS per relay | Threads added"
                + " | Fds per relay | Pipes open | Idle CPU | Set-up |\n");
        out.append("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Footprint.Result result : results) {
            boolean engine = result.get("kind").equals("engine");
            out.append("| ").append(result.get("relays"))
                    .append(" | ").append(engine ? "engine, " + result.get("loops") + " loops"
                            : "thread per direction, ZERO_COPY")
                    .append(" | ").append(kib(result.number("heapPerRelay")))
                    .append(" | ").append(kib(result.number("nativePerRelay")))
                    .append(" | ").append(kib(result.number("rssPerRelay")))
                    .append(" | ").append(result.get("threads"))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", result.number("fdsPerRelay")))
                    .append(" | ").append(engine ? result.get("pipes") : "1 per direction")
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f %%", result.number("idleCpuPercent")))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f s", result.number("setupSeconds")))
                    .append(" |\n");
        }
        out.append('\n');
    }

    private static String kib(double bytes) {
        return bytes >= 10 * 1024 ? String.format(Locale.ROOT, "%.0f KiB", bytes / 1024)
                : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }

    // ---- Others and helpers ---------------------------------------------------------------------

    /** Benchmarks without a table of their own yet: JMH's score, and CPU per GiB where counted. */
    private static void others(List<RunResult> runs, StringBuilder out) {
        out.append("### Other benchmarks\n\n| Benchmark | Parameters | Score | CPU-s/GiB |\n|---|---|--:|--:|\n");
        for (RunResult run : runs) {
            BenchmarkParams params = run.getParams();
            Result<?> primary = run.getAggregatedResult().getPrimaryResult();
            String benchmark = params.getBenchmark();
            String shortName = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            String parameters = params.getParamsKeys().stream().map(k -> k + "=" + params.getParam(k))
                    .collect(Collectors.joining(", "));
            double cpu = cpuSecondsPerGib(run.getAggregatedResult());
            out.append("| ").append(shortName).append(" | ").append(parameters)
                    .append(" | ").append(String.format(Locale.ROOT, "%.3f %s", primary.getScore(), primary.getScoreUnit()))
                    .append(error(primary.getScoreError() / primary.getScore()))
                    .append(" | ").append(Double.isNaN(cpu) ? "–" : String.format(Locale.ROOT, "%.2f", cpu))
                    .append(" |\n");
        }
        out.append('\n');
    }

    /** A secondary result's total over the measured iterations; NaN if there is none. */
    private static double secondary(BenchmarkResult result, String name) {
        Result<?> value = result.getSecondaryResults().get(name);
        return value == null ? Double.NaN : value.getScore();
    }

    /** Measured iterations over all forks: what a gauge counter's sum is divided by. */
    private static int iterations(RunResult run) {
        return run.getBenchmarkResults().stream().mapToInt(b -> b.getIterationResults().size()).sum();
    }

    /** From the {@code cpuNanos} and {@code bytes} counters, NaN if the benchmark has none. */
    private static double cpuSecondsPerGib(BenchmarkResult result) {
        double cpuNanos = secondary(result, "cpuNanos");
        double bytes = secondary(result, "bytes");
        if (Double.isNaN(cpuNanos) || Double.isNaN(bytes) || bytes == 0) {
            return Double.NaN;
        }
        return cpuNanos / 1e9 / (bytes / GIB);
    }

    private static String size(int bytes) {
        return bytes >= MIB ? (int) (bytes / MIB) + " MiB" : bytes / 1024 + " KiB";
    }

    private static String bytes(int bytes) {
        return bytes >= 1024 ? size(bytes) : bytes + " B";
    }

    private static String rate(double bytesPerSecond) {
        return bytesPerSecond >= GIB
                ? String.format(Locale.ROOT, "%.2f GiB/s", bytesPerSecond / GIB)
                : String.format(Locale.ROOT, "%.0f MiB/s", bytesPerSecond / MIB);
    }

    private static String cpu(double cpuSecondsPerGib) {
        return Double.isNaN(cpuSecondsPerGib) ? "–" : String.format(Locale.ROOT, "%.2f", cpuSecondsPerGib);
    }

    /** JMH's 99.9 % confidence half-width, relative; absent with a single iteration. */
    private static String error(double relative) {
        return Double.isFinite(relative) ? String.format(Locale.ROOT, " ± %.0f %%", relative * 100) : "";
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
