package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stopping a file transfer that waits: for data from its socket (socket → file) or for its socket
 * to take more (file → socket). Closing either channel or interrupting the thread ends it promptly
 * with the JDK's exception, and no fd stays open. The promise is 100 ms; the assertions allow 500 ms
 * for a loaded CI machine, and each test prints what it measured.
 */
class FileTransferCancellationTest {

    private static final long PROMISE_MILLIS = 100;
    private static final long ASSERTED_MILLIS = 500;
    private static final long PRIMER = 10_000;
    private static final long LARGE_FILE = 256L << 20;

    @TempDir
    Path dir;

    /** A transfer running on its own thread, which records when it ended and how. */
    private record Running(Thread thread, CompletableFuture<Long> endedAt, CompletableFuture<Long> bytes) {
    }

    /** Which channel a test acts on. */
    private enum Stop {
        CLOSE_FILE, CLOSE_SOCKET, INTERRUPT
    }

    private static Running start(Callable<Long> transfer) {
        CompletableFuture<Long> endedAt = new CompletableFuture<>();
        CompletableFuture<Long> bytes = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                bytes.complete(transfer.call());
            } catch (Throwable t) {
                bytes.completeExceptionally(t);
            } finally {
                endedAt.complete(System.nanoTime());
            }
        });
        return new Running(thread, endedAt, bytes);
    }

    /** Socket → file, waiting for the socket's next bytes once the primer is in the file. */
    private Running receiving(Harness harness, FileChannel file, Path path, SpliceMode mode) throws Exception {
        Running running = start(() -> Splice.transferWithResult(harness.source().near(), file, 0, Long.MAX_VALUE,
                SpliceOptions.defaults().withMode(mode)).bytes());
        Payload.write(harness.source().far(), PRIMER);
        awaitUntil(() -> size(path) == PRIMER, "the primer is in the file");
        return running;
    }

    /** File → socket, waiting for the socket to take more once its reader has stopped reading. */
    private Running sending(Harness harness, FileChannel file, SpliceMode mode) throws Exception {
        long waitsBefore = Splice.metrics().readinessWaits();
        Running running = start(() -> Splice.transferWithResult(file, 0, LARGE_FILE, harness.target().near(),
                SpliceOptions.defaults().withMode(mode)).bytes());
        readExactly(harness.target().far(), PRIMER);
        if (mode == SpliceMode.ZERO_COPY) {
            // The socket's buffers fill at once: the loop is then waiting in poll(2).
            awaitUntil(() -> Splice.metrics().readinessWaits() > waitsBefore, "the transfer waits for the socket");
        }
        return running;
    }

    private static void stop(Stop stop, Running running, Channel file, Channel socket) throws IOException {
        switch (stop) {
            case CLOSE_FILE -> file.close();
            case CLOSE_SOCKET -> socket.close();
            case INTERRUPT -> running.thread().interrupt();
        }
    }

    private static void assertStopped(Stop stop, Running running, long start, Channel file, Channel socket)
            throws Exception {
        long millis = TimeUnit.NANOSECONDS.toMillis(running.endedAt().get(10, TimeUnit.SECONDS) - start);
        System.out.printf("%s: ended %d ms after the request (promise: %d ms)%n", stop, millis, PROMISE_MILLIS);
        assertTrue(millis < ASSERTED_MILLIS, "ended after " + millis + " ms");
        ExecutionException e = assertThrows(ExecutionException.class, () -> running.bytes().get(10, TimeUnit.SECONDS));
        if (stop == Stop.INTERRUPT) {
            assertInstanceOf(ClosedByInterruptException.class, e.getCause());
            assertFalse(file.isOpen(), "an interrupt closes both channels");
            assertFalse(socket.isOpen(), "an interrupt closes both channels");
        } else {
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            Channel other = stop == Stop.CLOSE_FILE ? socket : file;
            assertTrue(other.isOpen(), "the other channel is left open");
        }
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void receivingStopsOnCloseOfTheSocket(SpliceMode mode) throws Exception {
        receivingStops(mode, Stop.CLOSE_SOCKET);
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void receivingStopsOnCloseOfTheFile(SpliceMode mode) throws Exception {
        receivingStops(mode, Stop.CLOSE_FILE);
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void receivingStopsOnInterrupt(SpliceMode mode) throws Exception {
        receivingStops(mode, Stop.INTERRUPT);
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void sendingStopsOnCloseOfTheSocket(SpliceMode mode) throws Exception {
        sendingStops(mode, Stop.CLOSE_SOCKET);
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void sendingStopsOnCloseOfTheFile(SpliceMode mode) throws Exception {
        sendingStops(mode, Stop.CLOSE_FILE);
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void sendingStopsOnInterrupt(SpliceMode mode) throws Exception {
        sendingStops(mode, Stop.INTERRUPT);
    }

    private void receivingStops(SpliceMode mode, Stop stop) throws Exception {
        var fds = FdBaseline.take();
        Path path = dir.resolve("upload.bin");
        try (Harness harness = new Harness(); FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            SocketChannel socket = harness.source().near();
            Running running = receiving(harness, file, path, mode);
            long start = System.nanoTime();
            stop(stop, running, file, socket);
            assertStopped(stop, running, start, file, socket);
            if (stop != Stop.CLOSE_FILE) {
                assertPeerSeesClose(harness.source().far());
            }
        }
        FdBaseline.assertNoLeak(fds);
    }

    private void sendingStops(SpliceMode mode, Stop stop) throws Exception {
        var fds = FdBaseline.take();
        Path path = dir.resolve("large.bin");
        try (Harness harness = new Harness(); FileChannel file = sparse(path, LARGE_FILE)) {
            SocketChannel socket = harness.target().near();
            Running running = sending(harness, file, mode);
            long start = System.nanoTime();
            stop(stop, running, file, socket);
            assertStopped(stop, running, start, file, socket);
            if (stop != Stop.CLOSE_FILE) {
                assertPeerSeesClose(harness.target().far());
            }
        }
        FdBaseline.assertNoLeak(fds);
    }

    /** A file of {@code size} bytes that costs no disk: all but its last byte is a hole. */
    private static FileChannel sparse(Path path, long size) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        file.write(ByteBuffer.wrap(new byte[] {1}), size - 1);
        return file;
    }

    /** The far end sees end-of-stream or a reset: the socket is really closed, not kept alive by an fd. */
    private static void assertPeerSeesClose(SocketChannel far) throws IOException {
        try {
            drainToEnd(far);
        } catch (IOException reset) {
            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
        }
    }

    private static long drainToEnd(SocketChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        long total = 0;
        int read;
        while ((read = channel.read(buffer.clear())) >= 0) {
            total += read;
        }
        return total;
    }

    private static void readExactly(SocketChannel channel, long size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        while (total < size) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), size - total));
            int read = channel.read(buffer);
            assertTrue(read >= 0, "stream ended early");
            total += read;
        }
    }

    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return -1;
        }
    }
}
