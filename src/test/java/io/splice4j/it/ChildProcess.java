package io.splice4j.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process started by a test, its output collected line by line. It is stopped by its own PID:
 * SIGTERM, then SIGKILL if it hasn't exited within the grace period. ({@code ip netns exec}
 * replaces itself with the command, so the PID is the command's own.)
 */
final class ChildProcess implements Output, AutoCloseable {

    private final String name;
    private final Process process;
    private final List<String> stdout = new ArrayList<>();
    private final StringBuilder stderr = new StringBuilder();
    private final List<Thread> collectors = new ArrayList<>();

    private ChildProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        collectors.add(collect(process.getInputStream(), true));
        collectors.add(collect(process.getErrorStream(), false));
    }

    static ChildProcess start(String name, List<String> command) {
        try {
            return new ChildProcess(name, new ProcessBuilder(command).start());
        } catch (IOException e) {
            throw new UncheckedIOException("can't start " + name + ": " + command, e);
        }
    }

    private Thread collect(InputStream stream, boolean isStdout) {
        return Thread.ofPlatform().daemon().name(name + (isStdout ? "-out" : "-err")).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (this) {
                        if (isStdout) {
                            stdout.add(line);
                        } else {
                            stderr.append(line).append('\n');
                        }
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until a line of standard output matches {@code pattern} (from the start) and returns its match. */
    Matcher await(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (this) {
            while (true) {
                for (; seen < stdout.size(); seen++) {
                    Matcher matcher = pattern.matcher(stdout.get(seen));
                    if (matcher.matches()) {
                        return matcher;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + ": no line matching " + pattern + " within " + timeout
                            + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "\n" + describe());
                }
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /**
     * Waits until {@code count} lines of standard output match {@code pattern} (from the start).
     *
     * @return the matches
     */
    List<Matcher> awaitCount(Pattern pattern, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                List<Matcher> matches = matching(pattern);
                if (matches.size() >= count) {
                    return matches;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + ": " + matches.size() + " lines matching " + pattern + ", not "
                            + count + ", within " + timeout + "\n" + describe());
                }
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /** Every line of standard output so far that matches {@code pattern} (from the start), in order. */
    synchronized List<Matcher> matching(Pattern pattern) {
        List<Matcher> matches = new ArrayList<>();
        for (String line : stdout) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.matches()) {
                matches.add(matcher);
            }
        }
        return matches;
    }

    /** Writes {@code line} and a line feed to the process's standard input, at once. */
    void send(String line) {
        try {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " takes no more input\n" + describe(), e);
        }
    }

    /** Ends the process's standard input: a program that reads it to its end goes on to exit. */
    void endInput() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // It exited already: its exit code tells.
        }
    }

    @Override
    public synchronized Optional<Matcher> last(Pattern pattern) {
        for (int i = stdout.size() - 1; i >= 0; i--) {
            Matcher matcher = pattern.matcher(stdout.get(i));
            if (matcher.matches()) {
                return Optional.of(matcher);
            }
        }
        return Optional.empty();
    }

    /** Waits for the process to exit by itself and returns its exit code. */
    @Override
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout + "\n" + describe());
        }
        joinCollectors();
        return process.exitValue();
    }

    /**
     * Stops the process by its PID: SIGTERM, then SIGKILL after {@code grace}.
     *
     * @return its exit code
     */
    int stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.toHandle().destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        joinCollectors();
        return process.exitValue();
    }

    private void joinCollectors() throws InterruptedException {
        for (Thread collector : collectors) {
            collector.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    synchronized String stdout() {
        return String.join("\n", stdout);
    }

    synchronized String stderr() {
        return stderr.toString();
    }

    @Override
    public synchronized String describe() {
        return "--- " + name + " (pid " + process.pid() + ") stdout:\n" + tail(String.join("\n", stdout))
                + "\n--- " + name + " stderr:\n" + tail(stderr.toString());
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }

    /** Stops it as {@link #stop} does if it is still running. */
    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(5));
    }
}
