package io.splice4j.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/** What {@code /proc/PID} says about another process on this host: its fds, threads and memory. */
public final class ProcFs {

    private ProcFs() {
    }

    /**
     * Counts a process's open fds.
     *
     * @param pid the process
     * @return the count
     */
    public static long fdCount(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Counts a process's open fds other than pipes. A forwarder's engine keeps empty pipes pooled
     * for later relays (how many depends on how many directions a loop ran at once), so comparing
     * these shows leaked sockets without counting the pool.
     *
     * @param pid the process
     * @return the count
     */
    public static long fdCountExceptPipes(long pid) {
        return fds(pid).values().stream().filter(target -> !target.startsWith("pipe:")).count();
    }

    /**
     * Counts a process's open sockets: what its connections hold, without the pipes an engine pools or
     * the epoll fds the JDK adds as it starts more carrier threads for virtual threads.
     *
     * @param pid the process
     * @return the count
     */
    public static long socketCount(long pid) {
        return fds(pid).values().stream().filter(target -> target.startsWith("socket:")).count();
    }

    /**
     * Lists a process's fds.
     *
     * @param pid the process
     * @return fd number to what it refers to ({@code socket:[123]}, {@code pipe:[456]}, a path...)
     */
    public static Map<Integer, String> fds(long pid) {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            entries.forEach(entry -> {
                try {
                    fds.put(Integer.parseInt(entry.getFileName().toString()), Files.readSymbolicLink(entry).toString());
                } catch (IOException | NumberFormatException e) {
                    // Closed meanwhile.
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /**
     * Counts a process's threads, from the "Threads:" line of its status.
     *
     * @param pid the process
     * @return the count
     */
    public static int threads(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Threads:")) {
                    return Integer.parseInt(line.substring("Threads:".length()).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no Threads: line for pid " + pid);
    }

    /**
     * Reads a process's resident memory.
     *
     * @param pid the process
     * @return {@code VmRSS} in KiB
     */
    public static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IllegalStateException("no VmRSS for " + pid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until {@code count} has kept the same value for half a second (at most 15 s) and returns
     * it: the forwarder has finished closing what it was closing.
     *
     * @param count what to sample
     * @return its settled value
     * @throws InterruptedException if interrupted
     */
    public static long settled(LongSupplier count) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        long last = count.getAsLong();
        int same = 0;
        while (same < 5 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            long now = count.getAsLong();
            same = now == last ? same + 1 : 0;
            last = now;
        }
        return last;
    }

    /**
     * Waits (at most {@code seconds}) until {@code count} is at most {@code baseline}.
     *
     * @param count what to sample
     * @param baseline the value to get back to
     * @param seconds how long at most
     * @return the last value
     * @throws InterruptedException if interrupted
     */
    public static long awaitAtMost(LongSupplier count, long baseline, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long now = count.getAsLong();
        while (now > baseline && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = count.getAsLong();
        }
        return now;
    }
}
