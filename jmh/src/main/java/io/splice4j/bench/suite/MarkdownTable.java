package io.splice4j.bench.suite;

import io.splice4j.bench.Contender;
import io.splice4j.bench.FileBenchmark;
import io.splice4j.bench.FileContender;
import io.splice4j.bench.FileDirection;
import io.splice4j.bench.RelayKind;
import io.splice4j.bench.RoundTripBenchmark;
import io.splice4j.bench.RoundTripPath;
import io.splice4j.bench.SocketToSocketBenchmark;
import io.splice4j.bench.StreamingRelaysBenchmark;
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
 * (socket → socket, relay round trip, streaming relays, files); the idle
 * footprint; then any other benchmark, listed plainly.
 */
final class MarkdownTable {

    private static final double GIB = 1L << 30;
    private static final double MIB = 1L << 20;
    private static final Contender BASELINE = Contender.NIO_DIRECT_64K;

    private static final String SOCKET_TO_SOCKET = prefix(SocketToSocketBenchmark.class);
    private static final String ROUND_TRIP = prefix(RoundTripBenchmark.class);
    private static final String STREAMING = prefix(StreamingRelaysBenchmark.class);
    private static final String FILES = prefix(FileBenchmark.class);
    private static final Set<String> WITH_TABLES = Set.of(SOCKET_TO_SOCKET, ROUND_TRIP, STREAMING, FILES);

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
        section(runs, STREAMING, out, MarkdownTable::streaming);
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

    /** Writes a Markdown table: the header and alignment lines as given, then a line per row of cells. */
    private static void table(StringBuilder out, String header, String alignment, List<List<String>> rows) {
        out.append(header).append('\n').append(alignment).append('\n');
        for (List<String> cells : rows) {
            out.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        out.append('\n');
    }

    /** The cells of each list, in order. */
    @SafeVarargs
    private static List<String> cells(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> part : parts) {
            all.addAll(part);
        }
        return all;
    }

    /** The two figures a row is compared by: a rate (higher is better) and a CPU cost (lower is better). */
    private interface Rated {

        double rate();

        double cpu();
    }

    /** Each run as a row, in table order. */
    private static <R> List<R> rows(List<RunResult> runs, Function<RunResult, R> row, Comparator<R> order) {
        return runs.stream().map(row).sorted(order).toList();
    }

    /** The rows by group in the group's order, then by kind (one row of each kind per group). */
    private static <R, G extends Comparable<G>, K> Map<G, Map<K, R>> grouped(List<R> rows, Function<R, G> group,
            Function<R, K> kind) {
        return rows.stream().collect(Collectors.groupingBy(group, TreeMap::new,
                Collectors.toMap(kind, Function.identity())));
    }

    /** Rate and CPU as ratios to {@code base}'s, or dashes without a baseline. */
    private static List<String> ratios(Rated row, Rated base) {
        return base == null ? List.of("–", "–")
                : List.of(ratio(row.rate() / base.rate()), ratio(row.cpu() / base.cpu()));
    }

    /**
     * Writes, under a table, "{@code title}: group: rate r, CPU c; ..." with the ratios of the
     * {@code numerator} row to the {@code denominator} row of each group that has both; nothing if
     * none has.
     */
    private static <G, K> void comparison(StringBuilder out, String title,
            Map<G, ? extends Map<K, ? extends Rated>> groups, K numerator, K denominator, Function<G, String> groupName) {
        List<String> pairs = new ArrayList<>();
        groups.forEach((group, rows) -> {
            Rated top = rows.get(numerator);
            Rated bottom = rows.get(denominator);
            if (top != null && bottom != null) {
                pairs.add(String.format(Locale.ROOT, "%s: rate %.2f, CPU %.2f", groupName.apply(group),
                        top.rate() / bottom.rate(), top.cpu() / bottom.cpu()));
            }
        });
        if (!pairs.isEmpty()) {
            out.append(title).append(": ").append(String.join("; ", pairs)).append(".\n\n");
        }
    }

    /**
     * The figures of a throughput row: bytes per second with JMH's relative error, and CPU-seconds
     * per GiB (NaN where the benchmark has no CPU counters).
     */
    private record Throughput(double rate, double relativeError, double cpu) implements Rated {

        static Throughput of(RunResult run, double bytesPerOperation) {
            Result<?> primary = run.getAggregatedResult().getPrimaryResult();
            return new Throughput(primary.getScore() * bytesPerOperation, primary.getScoreError() / primary.getScore(),
                    cpuSecondsPerGib(run.getAggregatedResult()));
        }

        /** The throughput and CPU cells. */
        List<String> cells() {
            return List.of(MarkdownTable.rate(rate) + error(relativeError), MarkdownTable.cpu(cpu));
        }
    }

    // ---- Socket → socket ------------------------------------------------------------------------

    /** One socket → socket figure. */
    private record Row(int payload, Contender contender, Throughput figures) {

        static Row of(RunResult run) {
            BenchmarkParams params = run.getParams();
            int payload = Integer.parseInt(params.getParam("payload"));
            return new Row(payload, Contender.valueOf(params.getParam("contender")), Throughput.of(run, payload));
        }
    }

    private static void socketToSocket(List<RunResult> runs, StringBuilder out) {
        List<Row> rows = rows(runs, Row::of, Comparator.comparingInt(Row::payload).thenComparing(Row::contender));
        Map<Integer, Throughput> baselines = rows.stream().filter(r -> r.contender() == BASELINE)
                .collect(Collectors.toMap(Row::payload, Row::figures));

        out.append("### Socket → socket, one direction, loopback\n\n");
        out.append("A fresh transfer per operation over pre-connected loopback pairs, a sender and a reader on"
                + " threads of their own. Throughput ± JMH's 99.9 % error. CPU-s/GiB is the benchmark JVM's"
                + " process CPU time (sender, reader and transfer threads, user + kernel) per GiB delivered."
                + " Ratios divide by the JDK NIO 64 KiB direct-buffer row of the same payload: throughput"
                + " above 1 and CPU below 1 are better. ").append(settingsOf(runs)).append("\n\n");
        table(out, "| Payload | Transfer | Throughput | CPU-s/GiB | Throughput vs NIO | CPU vs NIO |",
                "|---|---|--:|--:|--:|--:|",
                rows.stream().map(row -> cells(List.of(size(row.payload()), row.contender().label()),
                        row.figures().cells(), ratios(row.figures(), baselines.get(row.payload())))).toList());
    }

    // ---- Relay round trip -----------------------------------------------------------------------

    /** One round-trip figure: round trips per second, and CPU-µs per round trip. */
    private record RoundTrip(int message, RoundTripPath path, double rate, double relativeError, double cpu)
            implements Rated {

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
        List<RoundTrip> rows = rows(runs, RoundTrip::of,
                Comparator.comparingInt(RoundTrip::message).thenComparing(RoundTrip::path));
        Map<Integer, Map<RoundTripPath, RoundTrip>> bySize = grouped(rows, RoundTrip::message, RoundTrip::path);

        out.append("### Relay round trip: small-message ping-pong, loopback\n\n");
        out.append("The client writes one message and waits for its echo before it sends the next; an echo thread"
                + " returns each message. A relay row puts a splice4j relay between them (two loopback"
                + " connections, a thread per direction or an engine), the direct row connects them straight:"
                + " the baseline. TCP_NODELAY on every socket; every echo is compared with what was sent."
                + " Round trips/s ± JMH's 99.9 % error, and its inverse in µs. CPU-µs is the process CPU time"
                + " (client, echo and relay threads, user + kernel) per round trip. Ratios divide by the direct"
                + " row of the same size. ").append(settingsOf(runs)).append("\n\n");
        table(out, "| Message | Path | Round trips/s | µs per round trip | CPU-µs per round trip"
                + " | Rate vs direct | CPU vs direct |", "|---|---|--:|--:|--:|--:|--:|",
                rows.stream().map(row -> cells(List.of(bytes(row.message()), row.path().label(),
                        String.format(Locale.ROOT, "%.0f", row.rate()) + error(row.relativeError()),
                        String.format(Locale.ROOT, "%.1f", 1e6 / row.rate()),
                        String.format(Locale.ROOT, "%.1f", row.cpu())),
                        ratios(row, bySize.get(row.message()).get(RoundTripPath.DIRECT)))).toList());
        // The question of the table: does splicing beat copying in the relay, at which size?
        comparison(out, "Zero-copy relay ÷ portable relay (thread per direction both)", bySize,
                RoundTripPath.RELAY_ZERO_COPY, RoundTripPath.RELAY_PORTABLE, MarkdownTable::bytes);
    }

    // ---- Streaming relays -----------------------------------------------------------------------

    /** One streaming figure: aggregate rate, CPU, spliced share, fds. */
    private record Stream(int relays, RelayKind kind, Throughput figures, double splicedShare, double fdsPerRelay)
            implements Rated {

        static Stream of(RunResult run) {
            BenchmarkParams params = run.getParams();
            BenchmarkResult result = run.getAggregatedResult();
            double bytesPerOperation = secondary(result, "bytes") / secondary(result, "operations");
            double spliced = secondary(result, "splicedBytes");
            double copied = secondary(result, "copiedBytes");
            return new Stream(Integer.parseInt(params.getParam("relays")), RelayKind.valueOf(params.getParam("kind")),
                    Throughput.of(run, bytesPerOperation),
                    spliced + copied == 0 ? Double.NaN : spliced / (spliced + copied),
                    secondary(result, "fdsPerRelay") / iterations(run));
        }

        @Override
        public double rate() {
            return figures.rate();
        }

        @Override
        public double cpu() {
            return figures.cpu();
        }

        List<String> cells(Rated base) {
            String spliced = Double.isNaN(splicedShare) ? "–"
                    : String.format(Locale.ROOT, "%.0f %%", splicedShare * 100);
            return MarkdownTable.cells(List.of(String.valueOf(relays),
                            kind.label() + (kind == RelayKind.NIO_THREADS ? " (baseline)" : "")), figures.cells(),
                    List.of(spliced, String.format(Locale.ROOT, "%.1f", fdsPerRelay)), ratios(this, base));
        }
    }

    private static void streaming(List<RunResult> runs, StringBuilder out) {
        List<Stream> rows = rows(runs, Stream::of, Comparator.comparingInt(Stream::relays).thenComparing(Stream::kind));
        Map<Integer, Map<RelayKind, Stream>> byCount = grouped(rows, Stream::relays, Stream::kind);
        out.append("### Streaming relays: a thread per direction or an engine, 1 to 1000 at once\n\n");
        out.append("Every relay carries an endless one-way stream (the far ends: one selector thread writing"
                + " into every relay, one reading every relay's output, in the same JVM); an operation ends when"
                + " 16 MiB more have arrived in all, so the throughput is the aggregate over all relays ± JMH's"
                + " 99.9 % error. CPU-s/GiB is the process CPU time (far ends and relays, user + kernel) per GiB"
                + " delivered. Before every iteration each stream's next bytes are compared with what was sent;"
                + " at the end every relay must account for every byte. The engine has a loop per core and its"
                + " default pipe pool (256 KiB pipes, at most 64 MiB); past that a chunk is copied. Spliced: the"
                + " library's bytes spliced ÷ bytes spliced or copied while measuring. Fds per relay: open fds ÷"
                + " relays while streaming, far ends and the engine's own included. Ratios divide by the JDK NIO"
                + " relays (a blocking read/write loop per direction, 64 KiB direct buffer) at the same count. ")
                .append(settingsOf(runs)).append("\n\n");
        table(out, "| Relays | Relay | Aggregate throughput | CPU-s/GiB | Spliced | Fds per relay"
                + " | Throughput vs NIO | CPU vs NIO |", "|--:|---|--:|--:|--:|--:|--:|--:|",
                rows.stream().map(row -> row.cells(byCount.get(row.relays()).get(RelayKind.NIO_THREADS))).toList());
        // The engine's question: from which count on does one engine beat a thread per direction?
        comparison(out, "Engine ÷ zero-copy thread per direction, at the same count", byCount, RelayKind.ENGINE,
                RelayKind.ZERO_COPY_THREADS, relays -> relays + (relays == 1 ? " relay" : " relays"));
    }

    // ---- Files ----------------------------------------------------------------------------------

    private record FileRow(FileDirection direction, int size, FileContender contender, Throughput figures) {

        static FileRow of(RunResult run) {
            BenchmarkParams params = run.getParams();
            int size = Integer.parseInt(params.getParam("size"));
            return new FileRow(FileDirection.valueOf(params.getParam("direction")), size,
                    FileContender.valueOf(params.getParam("contender")), Throughput.of(run, size));
        }
    }

    private static void files(List<RunResult> runs, StringBuilder out) {
        List<FileRow> rows = rows(runs, FileRow::of, Comparator.comparing(FileRow::direction)
                .thenComparingInt(FileRow::size).thenComparing(FileRow::contender));
        Map<String, Throughput> baselines = rows.stream().filter(r -> r.contender() == FileContender.JDK)
                .collect(Collectors.toMap(r -> r.direction() + "/" + r.size(), FileRow::figures));
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
        table(out, "| Direction | Size | Transfer | Throughput | CPU-s/GiB | Throughput vs JDK | CPU vs JDK |",
                "|---|---|---|--:|--:|--:|--:|",
                rows.stream().map(row -> cells(List.of(row.direction().label(), size(row.size()),
                        row.contender().label(row.direction()) + (row.contender() == FileContender.JDK
                                ? " (baseline)" : "")), row.figures().cells(),
                        ratios(row.figures(), baselines.get(row.direction() + "/" + row.size())))).toList());
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
        out.append("Relays that carry nothing, after a 64-byte message through each and its 32-byte SHA-256 back"
                + " (verified by the far ends),"
                + " measured in a JVM of their own (`IdleFootprint`: -Xms512m -Xmx512m -XX:+AlwaysPreTouch,"
                + " NMT summary) while the far ends live in another. Per relay: heap used after GC, NMT"
                + " committed memory outside the heap, and RSS growth (the heap is pre-touched, so that is"
                + " native memory), each the difference from before the relays ÷ relays; fds per relay: its"
                + " sockets plus what the relay opened. Idle CPU: process CPU over 2 s of idleness, in % of one"
                + " core. Engine: SpliceEngine with a loop per core; threads: a zero-copy thread-per-direction"
                + " relay (fewer of them: each holds 10 fds and 2 threads). After closing every relay the fd"
                + " count is back to where it was.\n\n");
        table(out, "| Relays | Relay | Heap per relay | Native per relay (NMT) | RSS per relay | Threads added"
                + " | Fds per relay | Pipes open | Idle CPU | Set-up |", "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|",
                results.stream().map(result -> {
                    boolean engine = result.get("kind").equals("engine");
                    return List.of(result.get("relays"),
                            engine ? "engine, " + result.get("loops") + " loops" : "thread per direction, ZERO_COPY",
                            kib(result.number("heapPerRelay")), kib(result.number("nativePerRelay")),
                            kib(result.number("rssPerRelay")), result.get("threads"),
                            String.format(Locale.ROOT, "%.1f", result.number("fdsPerRelay")),
                            engine ? result.get("pipes") : "1 per direction",
                            String.format(Locale.ROOT, "%.1f %%", result.number("idleCpuPercent")),
                            String.format(Locale.ROOT, "%.1f s", result.number("setupSeconds")));
                }).toList());
    }

    private static String kib(double bytes) {
        return bytes >= 10 * 1024 ? String.format(Locale.ROOT, "%.0f KiB", bytes / 1024)
                : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }

    // ---- Others and helpers ---------------------------------------------------------------------

    /** Benchmarks without a table of their own yet: JMH's score, and CPU per GiB where counted. */
    private static void others(List<RunResult> runs, StringBuilder out) {
        out.append("### Other benchmarks\n\n");
        table(out, "| Benchmark | Parameters | Score | CPU-s/GiB |", "|---|---|--:|--:|", runs.stream().map(run -> {
            BenchmarkParams params = run.getParams();
            Result<?> primary = run.getAggregatedResult().getPrimaryResult();
            String benchmark = params.getBenchmark();
            String shortName = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            String parameters = params.getParamsKeys().stream().map(k -> k + "=" + params.getParam(k))
                    .collect(Collectors.joining(", "));
            return List.of(shortName, parameters,
                    String.format(Locale.ROOT, "%.3f %s", primary.getScore(), primary.getScoreUnit())
                            + error(primary.getScoreError() / primary.getScore()),
                    cpu(cpuSecondsPerGib(run.getAggregatedResult())));
        }).toList());
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
