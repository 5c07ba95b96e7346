package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.FileRegion;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where a file transfer can't run in the kernel it copies in {@link SpliceMode#AUTO} and says why,
 * and fails in {@link SpliceMode#ZERO_COPY} having moved nothing. Runs with both ways of finding a
 * file's fd.
 */
@Tag("flag-free-jvm")
class FileTransferFallbackTest {

    private static final long SIZE = 3L << 20;

    @TempDir
    Path dir;

    private Path dataFile() throws IOException {
        Path path = dir.resolve("data.bin");
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Payload.write(file, 0, SIZE);
        }
        return path;
    }

    private static SpliceOptions mode(SpliceMode mode) {
        return SpliceOptions.defaults().withMode(mode);
    }

    @Test
    void aFileOpenedForAppendingIsWrittenByCopyingAndAppended() throws Exception {
        Path path = dir.resolve("log.bin");
        Files.write(path, new byte[] {1, 2, 3});
        try (Harness harness = new Harness(); FileChannel log = FileChannel.open(path, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            Payload.write(harness.source().far(), 5);
            ZeroCopyUnavailableException refused = assertThrows(ZeroCopyUnavailableException.class,
                    () -> Splice.transferWithResult(harness.source().near(), log, 0, 100, mode(SpliceMode.ZERO_COPY)));
            assertEquals(FallbackReason.EINVAL, refused.reason());
            assertTrue(refused.getMessage().matches("zero-copy unavailable: splice\\(pipe -> fd \\d+\\): EINVAL "
                    + "\\(the file was opened with APPEND, or its file system can't splice\\)"), refused.getMessage());
            assertEquals(3, Files.size(path), "nothing written");

            SpliceMetrics before = Splice.metrics();
            SpliceResult result = Splice.transferWithResult(harness.source().near(), log, 0, 5, mode(SpliceMode.AUTO));
            assertEquals(new SpliceResult(5, TransferPath.PORTABLE, Optional.of(FallbackReason.EINVAL)), result);
            assertEquals(1, Splice.metrics().minus(before).fallbacks(FallbackReason.EINVAL));
            // The position is ignored for an appending channel, as FileChannel.write(buffer, position) does.
            assertEquals(new Digest(3, "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81"),
                    FileRegion.digest(path, 0, 3));
            assertEquals(Payload.expected(5), FileRegion.digest(path, 3, Long.MAX_VALUE));
        }
    }

    @Test
    void aFullDeviceFailsNamingTheWriteAndCountingNothing() throws Exception {
        try (Harness harness = new Harness(); FileChannel full = FileChannel.open(Path.of("/dev/full"),
                StandardOpenOption.WRITE)) {
            harness.feed(100_000);
            // /dev/full can't be spliced into: the probe says so before a byte leaves the socket.
            SpliceMetrics before = Splice.metrics();
            SpliceException e = assertThrows(SpliceException.class,
                    () -> Splice.transferWithResult(harness.source().near(), full, 0, Long.MAX_VALUE,
                            mode(SpliceMode.AUTO)));
            assertEquals("write(target)", e.operation());
            assertEquals("write(target): No space left on device, 0 bytes delivered", e.getMessage());
            assertEquals(0, e.bytesDelivered());
            SpliceMetrics delta = Splice.metrics().minus(before);
            assertEquals(1, delta.fallbacks(FallbackReason.EINVAL));
            assertEquals(1, delta.transfersFailed(TransferPath.PORTABLE));
        }
    }

    @ParameterizedTest(name = "lock held on {0} bytes")
    @ValueSource(longs = {100, Long.MAX_VALUE})
    void aFileThisJvmHoldsLocksOnIsCopiedAndKeepsItsLock(long lockedBytes) throws Exception {
        Path path = dataFile();
        try (FileChannel locker = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = locker.lock(0, lockedBytes, false);
                FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            try (Harness harness = new Harness()) {
                ZeroCopyUnavailableException refused = assertThrows(ZeroCopyUnavailableException.class,
                        () -> Splice.transferWithResult(file, 0, SIZE, harness.target().near(),
                                mode(SpliceMode.ZERO_COPY)));
                assertEquals(FallbackReason.FILE_LOCKED, refused.reason());
                assertEquals("zero-copy unavailable: this JVM holds a lock on the file, which closing a duplicate "
                        + "of its fd would release", refused.getMessage());

                Future<Digest> received = harness.drain();
                SpliceResult sent = Splice.transferWithResult(file, 0, SIZE, harness.target().near(),
                        mode(SpliceMode.AUTO));
                harness.endTarget();
                assertEquals(new SpliceResult(SIZE, TransferPath.PORTABLE, Optional.of(FallbackReason.FILE_LOCKED)),
                        sent);
                assertEquals(Payload.expected(SIZE), received.get());
            }
            try (Harness harness = new Harness()) {
                Future<Digest> fed = harness.feed(SIZE);
                SpliceResult written = Splice.transferWithResult(harness.source().near(), file, SIZE, Long.MAX_VALUE,
                        mode(SpliceMode.AUTO));
                assertEquals(new SpliceResult(SIZE, TransferPath.PORTABLE, Optional.of(FallbackReason.FILE_LOCKED)),
                        written);
                assertEquals(fed.get(), FileRegion.digest(file, SIZE, Long.MAX_VALUE));
            }
            // The kernel still has the lock: no duplicate of the file's fd was closed.
            assertTrue(lock.isValid());
            assertEquals(1, KernelLocks.heldOn(path), "POSIX locks of this process on the file");
        }
        assertEquals(0, KernelLocks.heldOn(path));
    }

    @Test
    void zeroCopyLeavesNoLockBehind() throws Exception {
        Path path = dataFile();
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ); Harness harness = new Harness()) {
            Future<Digest> received = harness.drain();
            assertEquals(SIZE, Splice.transferWithResult(file, 0, SIZE, harness.target().near(),
                    mode(SpliceMode.ZERO_COPY)).bytes());
            harness.endTarget();
            assertEquals(Payload.expected(SIZE), received.get());
            assertEquals(0, KernelLocks.heldOn(path), "marker locks are released");
        }
    }

    @Test
    void virtualThreadsSpliceBothWaysParkedOnTheEngine() throws Exception {
        Path path = dataFile();
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
                FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            SpliceMetrics before = Splice.metrics();
            try (Harness harness = new Harness()) {
                Future<Digest> received = harness.drain();
                SpliceResult sent = virtual.submit(() -> Splice.transferWithResult(file, 0, SIZE,
                        harness.target().near(), mode(SpliceMode.ZERO_COPY))).get();
                harness.endTarget();
                assertEquals(new SpliceResult(SIZE, TransferPath.ZERO_COPY, Optional.empty()), sent);
                assertEquals(Payload.expected(SIZE), received.get());
            }
            try (Harness harness = new Harness()) {
                Future<Digest> fed = harness.feed(SIZE);
                SpliceResult written = virtual.submit(() -> Splice.transferWithResult(harness.source().near(), file,
                        SIZE, Long.MAX_VALUE, mode(SpliceMode.ZERO_COPY))).get();
                assertEquals(new SpliceResult(SIZE, TransferPath.ZERO_COPY, Optional.empty()), written);
                assertEquals(fed.get(), FileRegion.digest(path, SIZE, Long.MAX_VALUE));
            }
            SpliceMetrics delta = Splice.metrics().minus(before);
            assertEquals(0, delta.fallbacks(FallbackReason.VIRTUAL_THREAD));
            assertEquals(2, delta.transfersFinished(TransferPath.ZERO_COPY));
        }
    }

    @Test
    void aFileChannelThatIsNotTheJdksIsNeverSpliced() throws Exception {
        Path path = dataFile();
        try (FileChannel file = new WrappingFileChannel(FileChannel.open(path, StandardOpenOption.READ));
                Harness harness = new Harness()) {
            ZeroCopyUnavailableException refused = assertThrows(ZeroCopyUnavailableException.class,
                    () -> Splice.transferWithResult(file, 0, SIZE, harness.target().near(),
                            mode(SpliceMode.ZERO_COPY)));
            assertEquals(FallbackReason.UNSUPPORTED_CHANNEL, refused.reason());
            assertEquals("zero-copy unavailable: a channel is not the JDK's own file or socket channel: "
                    + WrappingFileChannel.class.getName() + ", " + harness.target().near().getClass().getName(),
                    refused.getMessage());

            Future<Digest> received = harness.drain();
            SpliceResult sent = Splice.transferWithResult(file, 0, SIZE, harness.target().near(), mode(SpliceMode.AUTO));
            harness.endTarget();
            assertEquals(new SpliceResult(SIZE, TransferPath.PORTABLE, Optional.of(FallbackReason.UNSUPPORTED_CHANNEL)),
                    sent);
            assertEquals(Payload.expected(SIZE), received.get());
        }
    }

    /** The POSIX locks this process holds on a file, as the kernel lists them. */
    static final class KernelLocks {
        private KernelLocks() {
        }

        static long heldOn(Path path) throws IOException {
            long inode = (Long) Files.getAttribute(path, "unix:ino");
            String pid = Long.toString(ProcessHandle.current().pid());
            try (var lines = Files.lines(Path.of("/proc/locks"))) {
                return lines.map(line -> line.strip().split("\\s+"))
                        .filter(f -> f.length >= 8 && f[1].equals("POSIX") && f[4].equals(pid)
                                && f[5].endsWith(":" + inode))
                        .count();
            }
        }
    }

    /** A FileChannel that forwards to another, as a wrapper that transforms bytes would. */
    private static final class WrappingFileChannel extends FileChannel {
        private final FileChannel inner;

        WrappingFileChannel(FileChannel inner) {
            this.inner = inner;
        }

        @Override public int read(ByteBuffer dst) throws IOException { return inner.read(dst); }
        @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return inner.read(dsts, offset, length);
        }
        @Override public int write(ByteBuffer src) throws IOException { return inner.write(src); }
        @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return inner.write(srcs, offset, length);
        }
        @Override public long position() throws IOException { return inner.position(); }
        @Override public FileChannel position(long newPosition) throws IOException {
            inner.position(newPosition);
            return this;
        }
        @Override public long size() throws IOException { return inner.size(); }
        @Override public FileChannel truncate(long size) throws IOException { inner.truncate(size); return this; }
        @Override public void force(boolean metaData) throws IOException { inner.force(metaData); }
        @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return inner.transferTo(position, count, target);
        }
        @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return inner.transferFrom(src, position, count);
        }
        @Override public int read(ByteBuffer dst, long position) throws IOException { return inner.read(dst, position); }
        @Override public int write(ByteBuffer src, long position) throws IOException {
            return inner.write(src, position);
        }
        @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return inner.map(mode, position, size);
        }
        @Override public FileLock lock(long position, long size, boolean shared) throws IOException {
            return inner.lock(position, size, shared);
        }
        @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return inner.tryLock(position, size, shared);
        }
        @Override protected void implCloseChannel() throws IOException { inner.close(); }
    }
}
