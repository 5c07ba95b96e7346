package io.splice4j.bench.suite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the suite and writes its results: {@code Suite --full|--smoke [--results=DIR] [--work=DIR]
 * [--sources=DIR] [REGEX...]}, where DIR of {@code --sources} is the library source tree that was
 * compiled in, named in the table's header. Started by {@code exec:exec@suite} (jmh/pom.xml) with the toolchain's JDK 22+; the
 * forks inherit that JDK and take their flags from the benchmarks' {@code @Fork}.
 *
 * <ul>
 *   <li>{@code --full}: each benchmark's own iteration settings, which together finish within 10
 *       minutes on 2 cores; JSON to {@code results/<date>.json}, the idle footprint's lines to
 *       {@code results/<date>-footprint.txt}, the Markdown tables printed and written to
 *       {@code results/latest.md}.
 *   <li>{@code --smoke}: one short measured iteration of every benchmark, no warm-up, and a smaller
 *       idle footprint, for CI; results to the work directory; the tables only printed. Exits
 *       non-zero if any benchmark fails.
 * </ul>
 *
 * <p>After JMH, if the expressions select {@code io.splice4j.bench.IdleFootprint.idle} (the default
 * does), the idle footprint runs: see {@link Footprint}.
 */
public final class Suite {

    private Suite() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exception e) {
            System.err.println("splice4j benchmarks FAILED: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Whether any JMH benchmark in the jar matches one of the expressions (JMH refuses to run none). */
    private static boolean jmhSelects(List<String> includes) {
        OutputFormat silent = OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT);
        return !BenchmarkList.defaultList().find(silent, includes, List.of()).isEmpty();
    }

    private static void run(String[] args) throws Exception {
        Settings settings = null;
        Path results = Path.of("results");
        Path work = Path.of("target");
        Path sources = null;
        List<String> includes = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--full")) {
                settings = Settings.FULL;
            } else if (arg.equals("--smoke")) {
                settings = Settings.SMOKE;
            } else if (arg.startsWith("--results=")) {
                results = Path.of(arg.substring("--results=".length()));
            } else if (arg.startsWith("--work=")) {
                work = Path.of(arg.substring("--work=".length()));
            } else if (arg.startsWith("--sources=")) {
                sources = Path.of(arg.substring("--sources=".length()));
            } else if (arg.startsWith("-")) {
                throw new IllegalArgumentException("unknown option " + arg
                        + "; usage: Suite --full|--smoke [--results=DIR] [--work=DIR] [--sources=DIR] [REGEX...]");
            } else if (!arg.isBlank()) {
                includes.add(arg);
            }
        }
        if (settings == null) {
            throw new IllegalArgumentException("say --full or --smoke");
        }
        if (includes.isEmpty()) {
            includes.add("io\\.splice4j\\.bench\\.");
        }

        Instant started = Instant.now();
        String loadBefore = Machine.loadAverage();
        Path json = settings == Settings.FULL
                ? results.resolve(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm").withZone(ZoneOffset.UTC)
                        .format(started) + ".json")
                : work.resolve("jmh-smoke.json");
        Files.createDirectories(json.toAbsolutePath().getParent());

        Collection<RunResult> runs = List.of();
        if (jmhSelects(includes)) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .resultFormat(ResultFormatType.JSON)
                    .result(json.toString())
                    // A benchmark that throws (a broken transfer, lost bytes) fails the whole run.
                    .shouldFailOnError(true);
            includes.forEach(options::include);
            settings.apply(options);
            runs = new Runner(options.build()).run();
        }
        // After JMH, not inside it: 9 000 relays need their far ends in another process.
        List<Footprint.Result> footprints = Footprint.selected(includes) ? Footprint.run(settings) : List.of();
        if (runs.isEmpty() && footprints.isEmpty()) {
            throw new IllegalStateException("no benchmark ran for " + includes);
        }
        Path footprintLines = json.resolveSibling(json.getFileName().toString().replace(".json", "-footprint.txt"));
        if (!footprints.isEmpty()) {
            Files.write(footprintLines, footprints.stream().map(Footprint.Result::line).toList());
        }

        // The load average brackets the run: on a shared machine it tells whether anything else ran.
        String header = settings.describe() + " · " + LibraryVersion.describe(sources) + " · load average "
                + loadBefore + " before, " + Machine.loadAverage() + " after";
        String table = MarkdownTable.render(runs, footprints, started, header);
        System.out.println();
        System.out.println(table);
        String written = (runs.isEmpty() ? "" : json + " ") + (footprints.isEmpty() ? "" : footprintLines + " ");
        if (settings == Settings.FULL) {
            Path latest = results.resolve("latest.md");
            Files.writeString(latest, table);
            System.out.println("Wrote " + written + latest);
        } else {
            System.out.println("Wrote " + written.trim());
        }
        Duration took = Duration.between(started, Instant.now());
        System.out.printf("Took %d min %02d s%n", took.toMinutes(), took.toSecondsPart());
        // Last, in the plain form CI logs are read for (a failure exits non-zero before this).
        System.out.printf("benchmarks: %d passed, 0 failed%n", runs.size() + footprints.size());
    }
}
