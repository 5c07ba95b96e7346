package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.SocketRoute;
import io.splice4j.support.TestJvm;
import java.util.List;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every byte sent arrives, in order, once: sizes around the 64 KiB pipe and chunk boundaries, up to
 * 256 MiB, on every path the running JVM offers, between TCP and Unix-domain sockets in every
 * combination, and the path that really ran is the one asked for.
 */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class SpliceIntegrityTest {

    private static final int MIB = 1 << 20;

    /**
     * One chunk size per size band; chunk 1 only where a call per byte stays quick. Routes other
     * than TCP to TCP take the smallest and largest chunk of each band.
     */
    static Stream<Arguments> cases() {
        List<Long> sizes = List.of(0L, 1L, 65_535L, 65_536L, 65_537L, 8L * MIB + 13, 256L * MIB);
        List<SpliceMode> modes = switch (TestJvm.current()) {
            case DEFAULT -> List.of(SpliceMode.ZERO_COPY, SpliceMode.PORTABLE);
            case FLAG_FREE -> List.of(SpliceMode.ZERO_COPY);
            case PORTABLE -> List.of(SpliceMode.AUTO);
        };
        return SocketRoute.all().stream().flatMap(route -> modes.stream().flatMap(mode -> sizes.stream()
                .flatMap(size -> chunksFor(size, route).stream().map(chunk -> Arguments.of(size, chunk, mode, route)))));
    }

    private static List<Integer> chunksFor(long size, SocketRoute route) {
        List<Integer> chunks = chunksFor(size);
        return route.equals(SocketRoute.TCP) ? chunks : List.of(chunks.getFirst(), chunks.getLast());
    }

    private static List<Integer> chunksFor(long size) {
        if (size <= 65_537) {
            return List.of(1, 4096, 65_536, MIB);
        }
        if (size < 256L * MIB) {
            return List.of(4096, 65_536, MIB);
        }
        return List.of(65_536, MIB);
    }

    @ParameterizedTest(name = "{3}, {0} bytes, chunk {1}, {2}")
    @MethodSource("cases")
    void everyByteArrivesOnceInOrder(long size, int chunkSize, SpliceMode mode, SocketRoute route) throws Exception {
        TransferPath expectedPath = mode == SpliceMode.ZERO_COPY ? TransferPath.ZERO_COPY : TransferPath.PORTABLE;
        try (Harness harness = route.harness()) {
            Future<Digest> sent = harness.feed(size);
            Future<Digest> received = harness.drain();
            SpliceMetrics before = Splice.metrics();

            SpliceResult result = Splice.spliceWithResult(harness.source().near(), harness.target().near(),
                    SpliceOptions.builder().chunkSize(chunkSize).mode(mode).build());
            harness.endTarget();

            assertEquals(size, result.bytes(), "bytes reported");
            assertEquals(sent.get(), received.get(), "length and SHA-256 received");
            assertEquals(size, received.get().length());
            assertEquals(expectedPath, result.path());
            SpliceMetrics delta = Splice.metrics().minus(before);
            if (expectedPath == TransferPath.ZERO_COPY) {
                assertEquals(size, delta.bytesSpliced(), "bytes that went through splice(2)");
                assertEquals(0, delta.bytesCopied());
                assertTrue(delta.spliceCalls() >= 1, "splice(2) was called");
                assertEquals(1, delta.transfersFinished(TransferPath.ZERO_COPY));
            } else {
                assertEquals(size, delta.bytesCopied(), "bytes copied");
                assertEquals(0, delta.bytesSpliced());
                assertEquals(0, delta.spliceCalls());
                assertEquals(1, delta.transfersFinished(TransferPath.PORTABLE));
            }
            if (mode == SpliceMode.AUTO) {
                assertEquals(java.util.Optional.of(FallbackReason.MODE), result.fallbackReason());
                assertEquals(1, delta.fallbacks(FallbackReason.MODE));
            }
        }
    }
}
