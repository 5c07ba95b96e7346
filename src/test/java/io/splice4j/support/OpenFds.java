package io.splice4j.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The process's open file descriptors, from {@code /proc/self/fd}. */
public final class OpenFds {

    private static final Path FD_DIR = Path.of("/proc/self/fd");

    private OpenFds() {
    }

    /**
     * Counts them.
     *
     * @return the number open now, not counting the one used to list them
     */
    public static long count() {
        try (Stream<Path> fds = Files.list(FD_DIR)) {
            return fds.count() - 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Lists them with what each refers to, such as {@code socket:[123]} or {@code pipe:[456]}.
     *
     * @return fd number to link target
     */
    public static Map<Integer, String> list() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(FD_DIR)) {
            entries.forEach(entry -> {
                try {
                    fds.put(Integer.parseInt(entry.getFileName().toString()),
                            Files.readSymbolicLink(entry).toString());
                } catch (IOException | NumberFormatException e) {
                    // The listing's own fd, closed by now.
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /**
     * Describes the fds open now that were not open in {@code before}, for a failure message.
     *
     * @param before an earlier {@link #list()}
     * @return the new fds, or an empty string
     */
    public static String openedSince(Map<Integer, String> before) {
        Map<Integer, String> added = new TreeMap<>(list());
        added.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return added.isEmpty() ? "" : "opened since: " + added;
    }
}
