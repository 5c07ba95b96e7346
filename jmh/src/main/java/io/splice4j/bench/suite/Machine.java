package io.splice4j.bench.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the table's header says about the machine (the forks ran on it too). */
final class Machine {

    private Machine() {
    }

    /** Cores, CPU model and kernel. */
    static String describe() {
        String model = "";
        try {
            model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().map(name -> " (" + name + ")").orElse("");
        } catch (IOException | RuntimeException ignored) {
            // Not Linux, or unreadable: the model is a nicety.
        }
        return Runtime.getRuntime().availableProcessors() + " cores" + model + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    /** The 1-minute load average, or "?" where there is none. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
