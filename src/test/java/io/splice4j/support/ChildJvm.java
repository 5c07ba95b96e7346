package io.splice4j.support;

import io.splice4j.Splice;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A second JVM running a main class from the test classes, talking line by line over its standard
 * streams. Stopped by its PID when closed.
 */
public final class ChildJvm implements AutoCloseable {

    /** Class-directory copies made for other users; deleted when their child is closed. */
    private static final List<Path> COPIES = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder output = new StringBuilder();
    private final PrintWriter input;
    private final Thread reader;

    private ChildJvm(List<String> command) throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        input = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader stdout = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = stdout.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // The child ended.
            }
        });
    }

    /**
     * Starts {@code main} with the library's JVM flags plus {@code jvmArgs}.
     *
     * @param runAs a user to run as (with {@code runuser}, so only as root), or {@code null} for this one
     * @param main the class to run
     * @param jvmArgs extra JVM options
     * @param args the program's arguments
     * @return the running child
     * @throws IOException if it can't start
     */
    public static ChildJvm start(String runAs, Class<?> main, List<String> jvmArgs, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        if (runAs != null) {
            command.addAll(List.of("runuser", "-u", runAs, "--"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--add-exports",
                "java.base/sun.nio.ch=ALL-UNNAMED"));
        command.addAll(jvmArgs);
        String classPath = location(Splice.class) + File.pathSeparator + location(main);
        if (runAs != null) {
            // The checkout may sit in a directory other users can't enter (mktemp -d makes 0700).
            classPath = readableCopy(location(Splice.class)) + File.pathSeparator + readableCopy(location(main));
        }
        command.addAll(List.of("-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(command);
    }

    /** Copies a class directory into a new temporary directory everyone may read. */
    private static String readableCopy(String directory) throws IOException {
        Path source = Path.of(directory);
        Path copy = Files.createTempDirectory("splice4j-classes",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = copy.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(path, target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
        COPIES.add(copy);
        return copy.toString();
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits for the next line that starts with {@code prefix}, skipping others.
     *
     * @param prefix what the line starts with
     * @param seconds how long to wait at most
     * @return the line
     * @throws InterruptedException if interrupted
     */
    public String await(String prefix, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (;;) {
            String line = lines.poll(Math.min(1_000_000_000L, Math.max(0, deadline - System.nanoTime())),
                    TimeUnit.NANOSECONDS);
            if (line == null && (System.nanoTime() - deadline >= 0 || !process.isAlive() && lines.isEmpty())) {
                throw new AssertionError("no line starting with '" + prefix + "' within " + seconds + " s"
                        + (process.isAlive() ? "" : " (the child exited)") + "; output:\n" + output());
            }
            if (line == null) {
                continue;
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /**
     * Sends a line to the child's standard input.
     *
     * @param line the line
     */
    public void send(String line) {
        input.println(line);
    }

    /**
     * Waits for the child to exit.
     *
     * @param seconds how long at most
     * @return its exit code
     * @throws InterruptedException if interrupted
     */
    public int await(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not exit within " + seconds + " s; output:\n" + output());
        }
        return process.exitValue();
    }

    /**
     * Returns the child's process id.
     *
     * @return its PID
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Returns everything the child printed so far.
     *
     * @return its output
     */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /**
     * Kills the child by its PID if it still runs, closes the pipes to and from it (the reader's once
     * it has read the last line, so a caller counting fds right after sees them closed), and deletes
     * the class copies made for it.
     */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        input.close();
        for (Path copy : COPIES) {
            try (Stream<Path> paths = Files.walk(copy)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // A temporary directory left behind is harmless.
            }
            COPIES.remove(copy);
        }
    }
}
