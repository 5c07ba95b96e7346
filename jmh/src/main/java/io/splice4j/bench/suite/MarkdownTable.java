package io.splice4j.bench.suite;

import io.splice4j.bench.Contender;
import io.splice4j.bench.SocketToSocketBenchmark;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Version;

/**
 * The results as Markdown: a header with date, machine, JDK and settings; the socket → socket table
 * (per payload, each row's rate and CPU-seconds per GiB, absolute and as a ratio to the baseline row
 * {@link Contender#NIO_DIRECT_64K} of the same payload); then any other benchmark, listed plainly.
 */
final class MarkdownTable {

    private static final double GIB = 1L << 30;
    private static final double MIB = 1L << 20;
    private static final Contender BASELINE = Contender.NIO_DIRECT_64K;
    private static final String SOCKET_TO_SOCKET = SocketToSocketBenchmark.class.getName() + ".";

    private MarkdownTable() {
    }

    static String render(Collection<RunResult> runs, Instant started, String settings) {
        StringBuilder out = new StringBuilder();
        out.append("## splice4j benchmarks, ")
                .append(DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC).format(started)).append("\n\n");
        out.append(Machine.describe()).append(" · JDK ").append(System.getProperty("java.runtime.version"))
                .append(" (").append(System.getProperty("java.vm.vendor")).append(") · JMH ")
                .append(Optional.ofNullable(Version.getPlainVersion()).orElse("?")).append(": ").append(settings)
                .append("\n\n");
        List<RunResult> socketToSocket = runs.stream()
                .filter(run -> run.getParams().getBenchmark().startsWith(SOCKET_TO_SOCKET)).toList();
        List<RunResult> others = runs.stream()
                .filter(run -> !run.getParams().getBenchmark().startsWith(SOCKET_TO_SOCKET)).toList();
        if (!socketToSocket.isEmpty()) {
            socketToSocket(socketToSocket, out);
        }
        if (!others.isEmpty()) {
            others(others, out);
        }
        return out.toString();
    }

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
                + " above 1 and CPU below 1 are better.\n\n");
        out.append("| Payload | Transfer | Throughput | CPU-s/GiB | Throughput vs NIO | CPU vs NIO |\n");
        out.append("|---|---|--:|--:|--:|--:|\n");
        for (Row row : rows) {
            Optional<Row> base = Optional.ofNullable(baselines.get(row.payload()));
            out.append("| ").append(size(row.payload()))
                    .append(" | ").append(row.contender().label())
                    .append(" | ").append(rate(row.bytesPerSecond())).append(error(row.relativeError()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f", row.cpuSecondsPerGib()))
                    .append(" | ").append(base.map(b -> ratio(row.bytesPerSecond() / b.bytesPerSecond())).orElse("–"))
                    .append(" | ").append(base.map(b -> ratio(row.cpuSecondsPerGib() / b.cpuSecondsPerGib()))
                            .orElse("–"))
                    .append(" |\n");
        }
        out.append('\n');
    }

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

    /** From the {@code CpuCounters} totals, NaN if the benchmark has none. */
    private static double cpuSecondsPerGib(BenchmarkResult result) {
        Map<String, Result> secondary = result.getSecondaryResults();
        Result<?> cpuNanos = secondary.get("cpuNanos");
        Result<?> bytes = secondary.get("bytes");
        if (cpuNanos == null || bytes == null || bytes.getScore() == 0) {
            return Double.NaN;
        }
        return cpuNanos.getScore() / 1e9 / (bytes.getScore() / GIB);
    }

    private static String size(int bytes) {
        return bytes >= MIB ? (int) (bytes / MIB) + " MiB" : bytes / 1024 + " KiB";
    }

    private static String rate(double bytesPerSecond) {
        return bytesPerSecond >= GIB
                ? String.format(Locale.ROOT, "%.2f GiB/s", bytesPerSecond / GIB)
                : String.format(Locale.ROOT, "%.0f MiB/s", bytesPerSecond / MIB);
    }

    /** JMH's 99.9 % confidence half-width, relative; absent with a single iteration. */
    private static String error(double relative) {
        return Double.isFinite(relative) ? String.format(Locale.ROOT, " ± %.0f %%", relative * 100) : "";
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
