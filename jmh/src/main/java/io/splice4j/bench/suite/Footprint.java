package io.splice4j.bench.suite;

import io.splice4j.bench.IdleFootprint;
import io.splice4j.support.ChildJvm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs {@link IdleFootprint} after JMH, once on an engine and once with a thread per direction, each
 * in a JVM of its own with Native Memory Tracking on (and each forking its far ends' JVM), and parses
 * its {@code FOOTPRINT key=value ...} line.
 */
final class Footprint {

    /** The name the suite's regular expressions are matched against, as JMH matches benchmark names. */
    static final String NAME = "io.splice4j.bench.IdleFootprint.idle";

    private static final int TIMEOUT_SECONDS = 300;

    private Footprint() {
    }

    /** One run's figures, by key, in the order printed. */
    record Result(Map<String, String> values) {

        String get(String key) {
            String value = values.get(key);
            if (value == null) {
                throw new IllegalStateException("no " + key + " in the footprint line " + values);
            }
            return value;
        }

        double number(String key) {
            return Double.parseDouble(get(key));
        }

        /** The line as printed, for the raw record. */
        String line() {
            StringBuilder line = new StringBuilder("FOOTPRINT");
            values.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
            return line.toString();
        }
    }

    static boolean selected(List<String> includes) {
        return includes.stream().anyMatch(regex -> Pattern.compile(regex).matcher(NAME).find());
    }

    static List<Result> run(Settings settings) throws Exception {
        List<Result> results = new ArrayList<>();
        results.add(run("engine", settings.engineRelays()));
        results.add(run("threads", settings.threadedRelays()));
        return results;
    }

    private static Result run(String kind, int relays) throws Exception {
        System.out.println("# Idle footprint: " + relays + " relays, " + kind);
        String found;
        try (ChildJvm child = ChildJvm.start(null, IdleFootprint.class, List.of("-XX:NativeMemoryTracking=summary",
                "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"), "--kind=" + kind, "--relays=" + relays)) {
            try {
                found = child.await("FOOTPRINT ", TIMEOUT_SECONDS);
                int exit = child.await(10);
                if (exit != 0) {
                    throw new IllegalStateException("the idle footprint (" + kind + ") failed with exit code " + exit
                            + "; output:\n" + child.output());
                }
            } catch (AssertionError e) {
                // ChildJvm's way to say the line or the exit did not come (with the output); the suite
                // reports exceptions.
                throw new IllegalStateException("the idle footprint (" + kind + ") failed: " + e.getMessage());
            }
            System.out.print(child.output());
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : found.substring("FOOTPRINT ".length()).trim().split("\\s+")) {
            int equals = pair.indexOf('=');
            values.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return new Result(values);
    }
}
