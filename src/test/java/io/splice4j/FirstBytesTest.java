package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Bytes the caller already has go first, in order, counted, and nothing after them is lost or reordered. */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class FirstBytesTest {

    private static final byte[] HEADER = "PROXY TCP4 192.0.2.1 198.51.100.2 40000 443\r\nGET / HTTP/1.1\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REPLY = {5, 0, 0, 1, 127, 0, 0, 1, 0, 80};
    private static final long SIZE = 3L << 20;

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(60)
    void aRelaySendsFirstBytesBothWaysBeforeAnythingItReads(RelayKind kind, SpliceMode mode) throws Exception {
        try (Harness harness = new Harness()) {
            // The relay closes its sockets as soon as both directions end; a host out of TCP memory
            // resets them instead of finishing them with FIN (see TcpMemoryAborts).
            TcpMemoryAborts kernel = TcpMemoryAborts.start();
            Future<Digest> toA = harness.run(() -> Payload.readToEnd(harness.source().far()));
            Future<Digest> toB = harness.run(() -> Payload.readToEnd(harness.target().far()));
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(), kind.options(mode)
                    .firstBytesAtoB(ByteBuffer.wrap(HEADER)).firstBytesBtoA(ByteBuffer.wrap(REPLY)).build());
            Digest fromA = Payload.write(harness.source().far(), SIZE);
            harness.source().far().shutdownOutput();
            harness.target().far().shutdownOutput();
            RelayResult result = relay.completion().get(30, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.COMPLETED, result.end(), result::toString);
            assertEquals(HEADER.length + SIZE, result.aToB().bytes());
            assertEquals(REPLY.length, result.bToA().bytes());
            assertEquals(Payload.expected(SIZE), fromA);
            assertEquals(Payload.expectedAfter(HEADER, SIZE), kernel.get(toB, 10, TimeUnit.SECONDS), "a -> b");
            assertEquals(Payload.expectedAfter(REPLY, 0), kernel.get(toA, 10, TimeUnit.SECONDS), "b -> a");
        }
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"AUTO", "PORTABLE"})
    @Timeout(60)
    void aTransferSendsItsFirstBytesFirst(SpliceMode mode) throws Exception {
        try (Harness harness = new Harness()) {
            Future<Digest> fed = harness.feed(SIZE);
            Future<Digest> received = harness.drain();
            SpliceResult result = Splice.spliceWithResult(harness.source().near(), harness.target().near(),
                    SpliceOptions.builder().mode(mode).firstBytesAtoB(ByteBuffer.wrap(HEADER)).build());
            harness.endTarget();
            assertEquals(HEADER.length + SIZE, result.bytes());
            assertEquals(Payload.expected(SIZE), fed.get());
            assertEquals(Payload.expectedAfter(HEADER, SIZE), received.get(10, TimeUnit.SECONDS));
            assertEquals(mode == SpliceMode.PORTABLE || !Splice.zeroCopy() ? TransferPath.PORTABLE
                    : TransferPath.ZERO_COPY, result.path(), "first bytes don't decide the path");
        }
    }
}
