package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A named pipe (FIFO): a log destination that blocks once nobody reads it and its 64 KiB are full. */
final class Fifo {

    private Fifo() {
    }

    /** Makes a FIFO at {@code path} with {@code mkfifo}. */
    static Path make(Path path) throws IOException, InterruptedException {
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).start();
        try {
            assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo " + path);
        } finally {
            mkfifo.destroyForcibly();
        }
        return path;
    }

    /**
     * Opens the FIFO's read end on a thread of its own, since opening either end waits for the
     * other; the test then holds it open and never reads.
     */
    static CompletableFuture<FileChannel> reader(Path fifo) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return FileChannel.open(fifo, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, runnable -> Thread.ofPlatform().daemon().start(runnable));
    }
}
