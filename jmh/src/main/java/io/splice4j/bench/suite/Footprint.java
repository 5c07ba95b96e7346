package io.splice4j.bench.suite;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs {@code io.splice4j.bench.IdleFootprint} after JMH, once on an engine and once with a thread per
 * direction, each in a JVM of its own with Native Memory Tracking on (and each forking its far ends'
 * JVM), and parses its {@code FOOTPRINT key=value ...} line.
 */
final class Footprint {

    /** The name the suite's regular expressions are matched against, as JMH matches benchmark names. */
    static final String NAME = "io.splice4j.bench.IdleFootprint.idle";

    private static final String MAIN = "io.splice4j.bench.IdleFootprint";
    private static final long TIMEOUT_MINUTES = 5;

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
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "-XX:NativeMemoryTracking=summary", "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch",
                "-cp", System.getProperty("java.class.path"), MAIN, "--kind=" + kind, "--relays=" + relays);
        System.out.println("# Idle footprint: " + relays + " relays, " + kind);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // Ends the child if it hangs, which ends the read below; the watchdog ends with the child.
        Thread watchdog = Thread.ofPlatform().daemon().name("footprint-watchdog").start(() -> {
            try {
                if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        });
        String found = null;
        StringBuilder output = new StringBuilder();
        try {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    System.out.println(line);
                    output.append(line).append('\n');
                    if (line.startsWith("FOOTPRINT ")) {
                        found = line;
                    }
                }
            }
            watchdog.join();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the idle footprint (" + kind + ") did not end");
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (process.exitValue() != 0 || found == null) {
            throw new IllegalStateException("the idle footprint (" + kind + ") failed with exit code "
                    + process.exitValue() + ":\n" + output);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : found.substring("FOOTPRINT ".length()).trim().split("\\s+")) {
            int equals = pair.indexOf('=');
            values.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return new Result(values);
    }
}
