package io.splice4j.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The process's open file descriptors, from {@code /proc/self/fd}. */
public final class OpenFds {

    private OpenFds() {
    }

    /**
     * Counts them.
     *
     * @return the number open now, not counting the one used to list them
     */
    public static long count() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
