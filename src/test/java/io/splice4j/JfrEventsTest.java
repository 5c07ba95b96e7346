package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.JfrCapture;
import io.splice4j.support.Payload;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The JFR events, read back from a recording, carry the figures of what was sent. */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class JfrEventsTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void aSpliceWritesOneTransferEventWithItsBytesPathAndAddresses() throws Exception {
        long size = (3L << 20) + 5;
        try (JfrCapture jfr = new JfrCapture(dir); Harness harness = new Harness()) {
            Future<Digest> sent = harness.feed(size);
            Future<Digest> received = harness.drain();
            SpliceResult result = Splice.spliceWithResult(harness.source().near(), harness.target().near(),
                    SpliceOptions.defaults());
            harness.endTarget();
            assertEquals(sent.get(), received.get());
            String source = JfrCapture.peer(harness.source().near());
            String target = JfrCapture.peer(harness.target().near());
            List<RecordedEvent> events = jfr.stop(JfrCapture.TRANSFER, e -> source.equals(e.getString("source")));
            assertEquals(1, events.size(), events::toString);
            RecordedEvent event = events.get(0);
            assertEquals(size, event.getLong("bytes"));
            assertEquals(size, result.bytes());
            assertEquals(result.path().name(), event.getString("path"));
            assertEquals(result.fallbackReason().map(Enum::name).orElse(""), event.getString("fallback"));
            assertEquals(target, event.getString("target"));
            assertFalse(event.getBoolean("failed"));
            assertTrue(event.getDuration().toNanos() > 0, event::toString);
        }
    }

    @Test
    @Timeout(60)
    void aFileTransferWritesItsBytesWithFileAsItsSource() throws Exception {
        long size = (1L << 20) + 3;
        Path path = dir.resolve("payload");
        try (JfrCapture jfr = new JfrCapture(dir); Harness harness = new Harness();
                FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
            Digest written = Payload.write(file, 0, size);
            Future<Digest> received = harness.drain();
            SpliceResult result = Splice.transferWithResult(file, 0, size, harness.target().near(),
                    SpliceOptions.defaults());
            harness.endTarget();
            assertEquals(written, received.get());
            String target = JfrCapture.peer(harness.target().near());
            List<RecordedEvent> events = jfr.stop(JfrCapture.TRANSFER, e -> target.equals(e.getString("target")));
            assertEquals(1, events.size(), events::toString);
            assertEquals(size, events.get(0).getLong("bytes"));
            assertEquals("file", events.get(0).getString("source"));
            assertEquals(result.path().name(), events.get(0).getString("path"));
        }
    }

    @Test
    @Timeout(60)
    void aFailedTransferIsMarkedFailedWithTheBytesItDelivered() throws Exception {
        try (JfrCapture jfr = new JfrCapture(dir); Harness harness = new Harness()) {
            Payload.write(harness.source().far(), 1000);
            Future<Long> transfer = harness.run(() -> Splice.splice(harness.source().near(), harness.target().near(),
                    SpliceOptions.defaults()));
            // The 1000 bytes have arrived, so the transfer has delivered them and waits for more.
            assertEquals(Payload.expected(1000), Payload.readExactly(harness.target().far(), 1000));
            String source = JfrCapture.peer(harness.source().near());
            harness.source().near().close();
            assertThrowsCause(transfer);
            List<RecordedEvent> events = jfr.stop(JfrCapture.TRANSFER, e -> source.equals(e.getString("source")));
            assertEquals(1, events.size(), events::toString);
            assertTrue(events.get(0).getBoolean("failed"));
            assertEquals(1000, events.get(0).getLong("bytes"));
        }
    }

    private static void assertThrowsCause(Future<Long> transfer) throws Exception {
        try {
            transfer.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the transfer failed on the closed source");
        } catch (java.util.concurrent.ExecutionException expected) {
            assertTrue(expected.getCause() instanceof java.nio.channels.AsynchronousCloseException
                    || expected.getCause() instanceof java.nio.channels.ClosedChannelException, expected::toString);
        }
    }

    @ParameterizedTest
    @MethodSource("io.splice4j.RelayKind#withModes")
    @Timeout(60)
    void aRelayWritesItsEventAndOneTransferEventPerDirection(RelayKind kind, SpliceMode mode) throws Exception {
        long forward = (2L << 20) + 11;
        long backward = 70_001;
        try (JfrCapture jfr = new JfrCapture(dir); Harness harness = new Harness()) {
            SocketChannel a = harness.source().near();
            SocketChannel b = harness.target().near();
            String peerA = JfrCapture.peer(a);
            String peerB = JfrCapture.peer(b);
            Relay relay = Splice.relay(a, b, kind.options(mode).build());
            Future<Digest> sentForward = harness.feed(forward);
            Future<Digest> receivedForward = harness.drain();
            Future<Digest> sentBack = harness.feedBack(backward);
            Future<Digest> receivedBack = harness.drainBack();
            assertEquals(sentForward.get(), receivedForward.get());
            assertEquals(sentBack.get(), receivedBack.get());
            RelayResult result = relay.completion().get(30, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.COMPLETED, result.end());

            List<RecordedEvent> relays = jfr.stop(JfrCapture.RELAY, e -> peerA.equals(e.getString("a")));
            assertEquals(1, relays.size(), relays::toString);
            RecordedEvent event = relays.get(0);
            assertEquals(peerB, event.getString("b"));
            assertEquals(forward, event.getLong("bytesAtoB"));
            assertEquals(backward, event.getLong("bytesBtoA"));
            assertEquals(result.aToB().path().name(), event.getString("pathAtoB"));
            assertEquals(result.bToA().path().name(), event.getString("pathBtoA"));
            assertEquals("COMPLETED", event.getString("end"));
            assertEquals("", event.getString("failure"));

            List<RecordedEvent> aToB = jfr.stop(JfrCapture.TRANSFER, e -> peerA.equals(e.getString("source")));
            List<RecordedEvent> bToA = jfr.stop(JfrCapture.TRANSFER, e -> peerB.equals(e.getString("source")));
            assertEquals(1, aToB.size(), aToB::toString);
            assertEquals(1, bToA.size(), bToA::toString);
            assertEquals(forward, aToB.get(0).getLong("bytes"));
            assertEquals(peerB, aToB.get(0).getString("target"));
            assertEquals(backward, bToA.get(0).getLong("bytes"));
            assertEquals(peerA, bToA.get(0).getString("target"));
        }
    }

    @Test
    @Timeout(60)
    void aRelayClosedByItsCallerKeepsItsAddressesAndSaysClosed() throws Exception {
        try (JfrCapture jfr = new JfrCapture(dir); Harness harness = new Harness()) {
            SocketChannel a = harness.source().near();
            String peerA = JfrCapture.peer(a);
            String peerB = JfrCapture.peer(harness.target().near());
            Relay relay = Splice.relay(a, harness.target().near());
            harness.source().far().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer three = ByteBuffer.allocate(3);
            while (three.hasRemaining()) {
                harness.target().far().read(three);
            }
            relay.close();
            assertEquals(RelayResult.End.CLOSED, relay.completion().get(10, TimeUnit.SECONDS).end());
            List<RecordedEvent> relays = jfr.stop(JfrCapture.RELAY, e -> peerA.equals(e.getString("a")));
            assertEquals(1, relays.size(), relays::toString);
            assertEquals(peerB, relays.get(0).getString("b"));
            assertEquals(3, relays.get(0).getLong("bytesAtoB"));
            assertEquals("CLOSED", relays.get(0).getString("end"));
        }
    }

    @Test
    @Timeout(60)
    void anEngineEventShowsItsLoopsRelaysAndPipes() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(SpliceEngine.supported(), "engines run here");
        try (JfrCapture jfr = new JfrCapture(dir); Harness harness = new Harness();
                SpliceEngine engine = SpliceEngine.builder().loops(2).name("jfr-test-engine").build()) {
            Relay relay = Splice.relay(harness.source().near(), harness.target().near(),
                    SpliceOptions.builder().engine(engine).build());
            Future<Digest> sent = harness.feed(1 << 20);
            Future<Digest> received = harness.drain();
            assertEquals(sent.get(), received.get());
            // a -> b has ended; b -> a still runs, so the relay does.
            List<RecordedEvent> events = jfr.stop(JfrCapture.ENGINE, e -> "jfr-test-engine".equals(e.getString("name")));
            assertEquals(1, events.size(), events::toString);
            RecordedEvent event = events.get(0);
            assertEquals(2, event.getInt("loops"));
            assertEquals(1, event.getInt("relays"));
            assertEquals(engine.openPipes(), event.getInt("pipesOpen"));
            assertEquals(engine.openPipeBytes(), event.getLong("pipeBytes"));
            assertEquals(0, event.getLong("poolExhaustions"));
            relay.close();
            relay.completion().get(10, TimeUnit.SECONDS);
        }
    }
}
