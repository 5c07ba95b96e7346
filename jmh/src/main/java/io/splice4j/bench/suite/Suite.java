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
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the suite and writes its results: {@code Suite --full|--smoke [--results=DIR] [--work=DIR]
 * [--sources=DIR] [REGEX...]}, where DIR of {@code --sources} is the library source tree that was
 * compiled in, named in the table's header. Started by {@code exec:exec@suite} (jmh/pom.xml) with the toolchain's JDK 22+; the
 * forks inherit that JDK and take their flags from the benchmarks' {@code @Fork}.
 *
 * <ul>
 *   <li>{@code --full}: settings that finish in well under 10 minutes on 2 cores; JSON to
 *       {@code results/<date>.json}, the Markdown table printed and written to {@code results/latest.md}.
 *   <li>{@code --smoke}: one short measured iteration of every benchmark, no warm-up, for CI; JSON to
 *       the work directory; the table only printed. Exits non-zero if any benchmark fails.
 * </ul>
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

        ChainedOptionsBuilder options = new OptionsBuilder()
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString())
                // A benchmark that throws (a broken transfer, lost bytes) fails the whole run.
                .shouldFailOnError(true);
        includes.forEach(options::include);
        settings.apply(options);
        Collection<RunResult> runs = new Runner(options.build()).run();
        if (runs.isEmpty()) {
            throw new IllegalStateException("no benchmark ran for " + includes);
        }

        // The load average brackets the run: on a shared machine it tells whether anything else ran.
        String header = settings.describe() + " · " + LibraryVersion.describe(sources) + " · load average "
                + loadBefore + " before, " + Machine.loadAverage() + " after";
        String table = MarkdownTable.render(runs, started, header);
        System.out.println();
        System.out.println(table);
        if (settings == Settings.FULL) {
            Path latest = results.resolve("latest.md");
            Files.writeString(latest, table);
            System.out.println("Wrote " + json + " and " + latest);
        } else {
            System.out.println("Wrote " + json);
        }
        Duration took = Duration.between(started, Instant.now());
        System.out.printf("Took %d min %02d s%n", took.toMinutes(), took.toSecondsPart());
        // Last, in the plain form CI logs are read for (a failure exits non-zero before this).
        System.out.printf("benchmarks: %d passed, 0 failed%n", runs.size());
    }
}
