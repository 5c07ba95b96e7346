package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.internal.linux.FileFdAccess;
import io.splice4j.support.Digest;
import io.splice4j.support.FileRegion;
import io.splice4j.support.Harness;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import io.splice4j.support.TestJvm;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File transfers close every fd they open and leave no lock behind, clean or failing, one at a time
 * or many at once on the same file; and each test JVM finds file fds the way its flags allow.
 */
@Tag("flag-free-jvm")
class FileTransferHygieneTest {

    private static final long SIZE = 200_000;

    @TempDir
    Path dir;

    @Test
    @Tag("portable-jvm")
    void fileFdsAreFoundTheWayTheJvmFlagsAllow() {
        Optional<FileFdAccess.Kind> kind = FileFdAccess.current().map(FileFdAccess::kind);
        switch (TestJvm.current()) {
            case DEFAULT -> assertEquals(Optional.of(FileFdAccess.Kind.REFLECTIVE), kind);
            case FLAG_FREE -> assertEquals(Optional.of(FileFdAccess.Kind.LOCK_MARKER), kind);
            case PORTABLE -> assertEquals(Optional.empty(), kind);
        }
    }

    @Test
    void fourHundredTransfersIncludingFailingOnesLeaveNoFdOrLockBehind() throws Exception {
        Path path = dir.resolve("data.bin");
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            Payload.write(file, 0, SIZE);
            var fds = FdBaseline.take();
            for (int round = 0; round < 100; round++) {
                SpliceOptions options = SpliceOptions.defaults()
                        .withMode(round % 2 == 0 ? SpliceMode.AUTO : SpliceMode.PORTABLE);
                long size = (round * 7919L) % SIZE;
                sendsWhole(file, size, options);
                receivesWhole(file, path, size, options);
                failsSending(file, options);
                failsReceiving(file, options);
            }
            FdBaseline.assertNoLeak(fds);
            assertEquals(0, FileTransferFallbackTest.KernelLocks.heldOn(path));
        }
    }

    private static void sendsWhole(FileChannel file, long size, SpliceOptions options) throws Exception {
        try (Harness harness = new Harness()) {
            Future<Digest> received = harness.drain();
            assertEquals(size, Splice.transferWithResult(file, 0, size, harness.target().near(), options).bytes());
            harness.endTarget();
            assertEquals(Payload.expected(size), received.get());
        }
    }

    private static void receivesWhole(FileChannel file, Path path, long size, SpliceOptions options)
            throws Exception {
        try (Harness harness = new Harness()) {
            Future<Digest> sent = harness.feed(size);
            assertEquals(size, Splice.transferWithResult(harness.source().near(), file, SIZE, size, options).bytes());
            assertEquals(sent.get(), FileRegion.digest(path, SIZE, size));
        }
    }

    /** The peer resets before reading anything. */
    private static void failsSending(FileChannel file, SpliceOptions options) throws Exception {
        try (Harness harness = new Harness()) {
            Loopback.resetOnClose(harness.target().far());
            harness.target().far().close();
            try {
                Splice.transferWithResult(file, 0, SIZE, harness.target().near(), options);
            } catch (SpliceException expected) {
                // Almost always: the reset arrives before the send buffer has taken all of it.
                assertTrue(expected.bytesDelivered() < SIZE, expected::getMessage);
            }
        }
    }

    /** The peer resets after sending a few bytes. */
    private static void failsReceiving(FileChannel file, SpliceOptions options) throws Exception {
        try (Harness harness = new Harness()) {
            Payload.write(harness.source().far(), 10);
            Loopback.resetOnClose(harness.source().far());
            harness.source().far().close();
            try {
                Splice.transferWithResult(harness.source().near(), file, SIZE, Long.MAX_VALUE, options);
            } catch (SpliceException expected) {
                // A reset may arrive before or after the ten bytes are read; either is honest.
                assertTrue(expected.bytesDelivered() <= 10, expected::getMessage);
            }
        }
    }

    /**
     * Eight threads send the same file at once, fifty times each: every transfer delivers every byte.
     * With the marker-lock way of finding fds, one transfer closing its duplicate fd releases the
     * others' marker locks (they are POSIX locks of the same process); they mark again, and the rare
     * one that loses its marker four times copies instead ({@link FallbackReason#NO_FD}). With the
     * reflective way none copies.
     */
    @Test
    void concurrentTransfersOfOneFileAllDeliverEveryByte() throws Exception {
        Path path = dir.resolve("popular.bin");
        long size = 1 << 20;
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            Payload.write(file, 0, size);
            var fds = FdBaseline.take();
            SpliceMetrics before = Splice.metrics();
            ExecutorService threads = Executors.newFixedThreadPool(8, Thread.ofPlatform().daemon().factory());
            List<Future<SpliceResult>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(threads.submit(() -> {
                    SpliceResult last = null;
                    for (int j = 0; j < 50; j++) {
                        try (Harness harness = new Harness()) {
                            Future<Digest> received = harness.drain();
                            last = Splice.transferWithResult(file, 0, size, harness.target().near(),
                                    SpliceOptions.defaults());
                            harness.endTarget();
                            assertEquals(size, last.bytes());
                            assertEquals(Payload.expected(size), received.get());
                        }
                    }
                    return last;
                }));
            }
            for (Future<SpliceResult> result : results) {
                result.get(100, TimeUnit.SECONDS);
            }
            threads.shutdown();
            SpliceMetrics delta = Splice.metrics().minus(before);
            System.out.printf("400 concurrent sends of one file: %d zero-copy, %d copied (NO_FD %d)%n",
                    delta.transfersFinished(TransferPath.ZERO_COPY), delta.transfersFinished(TransferPath.PORTABLE),
                    delta.fallbacks(FallbackReason.NO_FD));
            if (TestJvm.current() == TestJvm.DEFAULT) {
                assertEquals(400, delta.transfersFinished(TransferPath.ZERO_COPY));
            }
            assertEquals(400, delta.transfersFinished(TransferPath.ZERO_COPY)
                    + delta.transfersFinished(TransferPath.PORTABLE));
            FdBaseline.assertNoLeak(fds);
            assertEquals(0, FileTransferFallbackTest.KernelLocks.heldOn(path));
        }
    }
}
