package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.FileRegion;
import io.splice4j.support.Harness;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * File transfers that go wrong: a peer resets, a file is truncated under a transfer. Each ends
 * promptly, names what failed, and counts exactly the bytes that reached the target.
 */
class FileTransferFailureTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static SpliceOptions options(SpliceMode mode) {
        return SpliceOptions.defaults().withMode(mode);
    }

    private static SpliceException failure(Future<SpliceResult> transfer) throws Exception {
        ExecutionException thrown = assertThrows(ExecutionException.class, () -> transfer.get(30, TimeUnit.SECONDS));
        return assertInstanceOf(SpliceException.class, thrown.getCause());
    }

    /** Waits for a condition another thread brings about; fails after ten seconds. */
    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void aResetOfTheSocketBeingReadIsReportedWithTheBytesInTheFile(SpliceMode mode) throws Exception {
        long delivered = 3 * MIB + 5;
        Path path = dir.resolve("upload.bin");
        try (Harness harness = new Harness(); FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            SpliceMetrics before = Splice.metrics();
            Future<Digest> sent = harness.run(() -> Payload.write(harness.source().far(), delivered));
            Future<SpliceResult> transfer = harness.run(() -> Splice.transferWithResult(harness.source().near(), file,
                    0, Long.MAX_VALUE, options(mode)));
            // Once all of it is in the file, the reset can't take any of it away.
            awaitUntil(() -> size(path) == delivered, "the file holds every byte sent");
            Loopback.resetOnClose(harness.source().far());
            harness.source().far().close();

            SpliceException e = failure(transfer);
            assertEquals(delivered, e.bytesDelivered());
            if (mode == SpliceMode.ZERO_COPY) {
                assertTrue(e.getMessage().matches("splice\\(fd \\d+ -> pipe\\): ECONNRESET, " + delivered
                        + " bytes delivered"), e.getMessage());
            } else {
                assertTrue(e.getMessage().startsWith("read(source): Connection reset"), e.getMessage());
            }
            assertEquals(sent.get(), FileRegion.digest(path, 0, Long.MAX_VALUE));
            TransferPath ran = mode == SpliceMode.ZERO_COPY ? TransferPath.ZERO_COPY : TransferPath.PORTABLE;
            assertEquals(1, Splice.metrics().minus(before).transfersFailed(ran));
        }
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void aResetOfTheSocketBeingWrittenIsReportedWithAnHonestCount(SpliceMode mode) throws Exception {
        long size = 64 * MIB;
        long readBeforeReset = MIB;
        Path path = dir.resolve("download.bin");
        try (Harness harness = new Harness(); FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Payload.write(file, 0, size);
            Future<SpliceResult> transfer = harness.run(() -> Splice.transferWithResult(file, 0, size,
                    harness.target().near(), options(mode)));
            assertEquals(Payload.expected(readBeforeReset), Payload.readExactly(harness.target().far(), readBeforeReset));
            Loopback.resetOnClose(harness.target().far());
            harness.target().far().close();

            SpliceException e = failure(transfer);
            assertTrue(e.bytesDelivered() >= readBeforeReset && e.bytesDelivered() < size,
                    "bytes delivered: " + e.bytesDelivered());
            if (mode == SpliceMode.ZERO_COPY) {
                assertTrue(e.getMessage().matches("sendfile\\(fd \\d+ -> fd \\d+\\): (EPIPE|ECONNRESET), \\d+ bytes "
                        + "delivered"), e.getMessage());
            } else {
                assertEquals("transferTo(target)", e.operation());
            }
        }
    }

    /**
     * The file shrinks to 8 MiB while the transfer waits for a slow reader that has taken 1 MiB:
     * the transfer ends at the new end of the file, having sent exactly the bytes it held.
     */
    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void aFileTruncatedUnderTheTransferEndsItAtTheNewEnd(SpliceMode mode) throws Exception {
        SlowRead read = truncatedUnderTransfer(mode, 8 * MIB);
        assertEquals(8 * MIB, read.result().bytes(), "bytes reported");
        assertEquals(Payload.expected(8 * MIB), read.received(), "bytes received");
    }

    /** Truncated to nothing: the transfer ends with what it had sent, counted honestly. */
    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void aFileTruncatedToNothingEndsTheTransferWithWhatWasSent(SpliceMode mode) throws Exception {
        SlowRead read = truncatedUnderTransfer(mode, 0);
        long bytes = read.result().bytes();
        assertTrue(bytes >= MIB && bytes < 32 * MIB, "bytes reported: " + bytes);
        assertEquals(Payload.expected(bytes), read.received(), "exactly the bytes reported arrived");
    }

    private record SlowRead(SpliceResult result, Digest received) {
    }

    private SlowRead truncatedUnderTransfer(SpliceMode mode, long newSize) throws Exception {
        long size = 32 * MIB;
        long readFirst = MIB;
        Path path = dir.resolve("growing.log");
        try (Harness harness = new Harness(); FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Payload.write(file, 0, size);
            // Small socket buffers keep what is in flight far below the new end of the file.
            harness.target().near().setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
            harness.target().far().setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            CompletableFuture<Void> firstRead = new CompletableFuture<>();
            CompletableFuture<Void> truncated = new CompletableFuture<>();
            Future<Digest> received = harness.run(() -> readPausing(harness.target().far(), readFirst, firstRead,
                    truncated));
            Future<SpliceResult> transfer = harness.run(() -> Splice.transferWithResult(file, 0, size,
                    harness.target().near(), options(mode)));

            firstRead.get(30, TimeUnit.SECONDS);
            try (FileChannel writer = FileChannel.open(path, StandardOpenOption.WRITE)) {
                writer.truncate(newSize);
            }
            truncated.complete(null);
            SpliceResult result = transfer.get(30, TimeUnit.SECONDS);
            harness.endTarget();
            return new SlowRead(result, received.get(30, TimeUnit.SECONDS));
        }
    }

    /** Reads {@code first} bytes, waits for {@code resume}, then reads to the end; digests all of it. */
    private static Digest readPausing(SocketChannel channel, long first, CompletableFuture<Void> paused,
            CompletableFuture<Void> resume) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        for (;;) {
            if (total == first) {
                paused.complete(null);
                resume.get(30, TimeUnit.SECONDS);
            }
            buffer.clear().limit((int) (total < first ? Math.min(buffer.capacity(), first - total) : buffer.capacity()));
            int read = channel.read(buffer);
            if (read < 0) {
                break;
            }
            sha.update(buffer.array(), 0, read);
            total += read;
        }
        return new Digest(total, HexFormat.of().formatHex(sha.digest()));
    }

    private static long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return -1;
        }
    }
}
