package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.FileRegion;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import io.splice4j.support.SocketKind;
import io.splice4j.support.TestJvm;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every byte arrives once, in order, both ways between a file and a socket: file offsets 0, 4095
 * (unaligned) and past 4 GiB (a sparse file, so 64-bit offsets are exercised), sizes from 0 B to
 * 256 MiB, on every path the running JVM offers; the metrics prove which path moved the bytes.
 * Unix-domain sockets get a few of the cases: the kernel splices them to files and sends files to
 * them like TCP sockets. Files live in a per-test temporary directory under {@code /tmp} and are
 * deleted after each test.
 */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class FileTransferIntegrityTest {

    private static final long MIB = 1 << 20;
    private static final long BEYOND_4_GIB = (4L << 30) + 13;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Long> positions = List.of(0L, 4095L, BEYOND_4_GIB);
        List<Long> sizes = List.of(0L, 1L, 65_537L, 8 * MIB + 13, 256 * MIB);
        List<SpliceMode> modes = switch (TestJvm.current()) {
            case DEFAULT -> List.of(SpliceMode.ZERO_COPY, SpliceMode.PORTABLE);
            case FLAG_FREE -> List.of(SpliceMode.ZERO_COPY);
            case PORTABLE -> List.of(SpliceMode.AUTO);
        };
        Stream<Arguments> tcp = modes.stream().flatMap(mode -> positions.stream().flatMap(position -> sizes.stream()
                .map(size -> Arguments.of(position, size, mode, SocketKind.TCP))));
        Stream<Arguments> unix = modes.stream().flatMap(mode -> Stream.of(0L, BEYOND_4_GIB).flatMap(position ->
                Stream.of(0L, 65_537L, 8 * MIB + 13).map(size -> Arguments.of(position, size, mode, SocketKind.UNIX))));
        return Stream.concat(tcp, unix);
    }

    @ParameterizedTest(name = "file at {0} -> {3} socket, {1} bytes, {2}")
    @MethodSource("cases")
    void fileToSocket(long position, long size, SpliceMode mode, SocketKind kind) throws Exception {
        Path file = dir.resolve("source.bin");
        try (FileChannel source = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); Harness harness = new Harness(kind, kind)) {
            Digest written = Payload.write(source, position, size);
            // Bytes after the range must stay behind: the count, not the file's end, stops this one.
            Payload.write(source, position + size, 1000);
            source.position(17);
            Future<Digest> received = harness.drain();
            SpliceMetrics before = Splice.metrics();

            SpliceResult result = Splice.transferWithResult(source, position, size, harness.target().near(),
                    SpliceOptions.defaults().withMode(mode));
            harness.endTarget();

            assertEquals(size, result.bytes(), "bytes reported");
            assertEquals(written, received.get(), "length and SHA-256 received");
            assertEquals(17, source.position(), "the file's position is left alone");
            assertPath(mode, size, result, Splice.metrics().minus(before));
        }
    }

    @ParameterizedTest(name = "{3} socket -> file at {0}, {1} bytes, {2}")
    @MethodSource("cases")
    void socketToFile(long position, long size, SpliceMode mode, SocketKind kind) throws Exception {
        Path file = dir.resolve("target.bin");
        try (FileChannel target = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Harness harness = new Harness(kind, kind)) {
            target.position(17);
            Future<Digest> sent = harness.feed(size);
            SpliceMetrics before = Splice.metrics();

            SpliceResult result = Splice.transferWithResult(harness.source().near(), target, position, Long.MAX_VALUE,
                    SpliceOptions.defaults().withMode(mode));

            assertEquals(size, result.bytes(), "bytes reported");
            assertEquals(sent.get(), FileRegion.digest(file, position, Long.MAX_VALUE), "length and SHA-256 in the file");
            assertEquals(size == 0 ? 0 : position + size, target.size(), "the file ends with the last byte written");
            assertEquals(17, target.position(), "the file's position is left alone");
            assertPath(mode, size, result, Splice.metrics().minus(before));
        }
    }

    private static void assertPath(SpliceMode mode, long size, SpliceResult result, SpliceMetrics delta) {
        if (mode == SpliceMode.ZERO_COPY) {
            assertEquals(new SpliceResult(size, TransferPath.ZERO_COPY, Optional.empty()), result);
            assertEquals(size, delta.bytesSpliced(), "bytes moved by sendfile(2)/splice(2)");
            assertEquals(0, delta.bytesCopied());
            assertTrue(size == 0 || delta.spliceCalls() >= 1, "sendfile(2)/splice(2) was called");
            assertEquals(1, delta.transfersFinished(TransferPath.ZERO_COPY));
        } else {
            assertEquals(TransferPath.PORTABLE, result.path());
            assertEquals(size, delta.bytesCopied(), "bytes moved by the JDK's channel operations");
            assertEquals(0, delta.bytesSpliced());
            assertEquals(0, delta.spliceCalls());
            assertEquals(1, delta.transfersFinished(TransferPath.PORTABLE));
        }
        if (mode == SpliceMode.AUTO) {
            assertEquals(Optional.of(FallbackReason.MODE), result.fallbackReason());
            assertEquals(1, delta.fallbacks(FallbackReason.MODE));
        }
    }
}
