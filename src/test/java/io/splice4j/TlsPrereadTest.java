package io.splice4j;

import static io.splice4j.PrereadScenarios.SHORT;
import static io.splice4j.PrereadScenarios.writeFully;
import static io.splice4j.TlsHelloBytes.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Loopback;
import io.splice4j.support.SocketKind;
import io.splice4j.support.Splits;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link TlsPreread#read} over loopback TCP and Unix sockets: the hello, every byte read with it,
 * the deadline, the stream's end, the limit. The deadline loop is the one {@link ProxyProtocol#read}
 * uses; {@link ProxyProtocolReadTest} covers its closes, interrupts, threads and fds.
 */
// Executors are opened before the loopback pairs, so closed after them: a failed test's readers end at once.
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsPrereadTest {

    private static byte[] hello() {
        return TlsClientHelloParserTest.jdk("TLSv1.3", "example.com", "h2", "http/1.1");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void returnsTheHelloAndEveryByteReadSoThatNoneIsLost(SocketKind kind) throws Exception {
        byte[] hello = hello();
        byte[] sent = concat(hello, ProxyHeaderParserTest.payload(1 << 20, hello.length));
        // What the read returns, then what is left in the channel, is exactly what the client sent: the hello first.
        TlsPreread.Received received = PrereadScenarios.nothingIsLost(kind, sent, TlsPreread::read,
                TlsPreread.Received::bytes, sent);
        assertEquals(TlsClientHelloParserTest.parse(hello), received.hello());
        assertTrue(received.bytes().remaining() >= hello.length, received.bytes() + " read");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void bytesPastTheHelloComeBackWithIt(SocketKind kind) throws Exception {
        byte[] hello = hello();
        byte[] earlyData = concat(TlsHelloBytes.recordHeader(0x17, 4), new byte[] {1, 2, 3, 4});
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(kind);
            // One write, in the near end's buffer before the read starts, which takes it whole.
            writeFully(pair.far(), concat(hello, earlyData));
            TlsPreread.Received received = TlsPreread.read(pair.near(), SHORT);
            assertEquals(hello.length, received.hello().bytesConsumed());
            assertEquals(ByteBuffer.wrap(concat(hello, earlyData)), received.bytes());
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aHelloInOneByteRecordsWrittenOneAtATimeIsRead(SocketKind kind) throws Exception {
        byte[] message = TlsHelloBytes.message(hello());
        byte[] split = TlsHelloBytes.records(message, Splits.bytes(message.length));
        try (ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor(); Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair(kind);
            Future<?> written = writer.submit(() -> {
                // A record (6 bytes) a write: how many a read gets is up to the kernel.
                for (int i = 0; i < split.length; i += 6) {
                    writeFully(pair.far(), Arrays.copyOfRange(split, i, Math.min(split.length, i + 6)));
                }
                return null;
            });
            TlsPreread.Received received = TlsPreread.read(pair.near(), Duration.ofSeconds(20));
            written.get(20, TimeUnit.SECONDS);
            assertEquals(split.length, received.hello().bytesConsumed());
            assertEquals(ByteBuffer.wrap(split), received.bytes());
            assertEquals(java.util.Optional.of("example.com"), received.hello().serverName());
        }
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aStalledHalfHelloFailsWithinTheTimeoutAndLeavesTheChannelAsItWas(SocketKind kind) throws Exception {
        PrereadScenarios.aStallFailsInTime(kind, Arrays.copyOf(hello(), 20), TlsPreread::read,
                TlsClientHelloException.class, "no complete TLS ClientHello within 300 ms (20 bytes received)");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void plainHttpFailsAtOnceWithoutWaitingForTheTimeout(SocketKind kind) throws Exception {
        PrereadScenarios.failsAtOnce(kind, ProxyHeaderTest.ascii("GET / HTTP/1.1\r\n"), false, TlsPreread::read,
                TlsClientHelloException.class, "not a TLS handshake record: the first byte is 0x47, not 0x16");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void endOfStreamInsideTheHelloFails(SocketKind kind) throws Exception {
        PrereadScenarios.failsAtOnce(kind, Arrays.copyOf(hello(), 10), true, TlsPreread::read,
                TlsClientHelloException.class, "the peer ended the stream after 10 bytes, before a complete TLS ClientHello");
    }

    @ParameterizedTest
    @EnumSource(SocketKind.class)
    void aHelloPastTheLimitFailsWithoutWaitingForIt(SocketKind kind) throws Exception {
        byte[] hello = hello();
        int limit = hello.length - 1;
        // Only the record header is sent: its length alone shows that the hello can't fit.
        PrereadScenarios.failsAtOnce(kind, Arrays.copyOf(hello, 5), false,
                (channel, timeout) -> TlsPreread.read(channel, timeout, limit), TlsClientHelloException.class,
                "the ClientHello needs at least " + hello.length + " bytes, more than the limit of " + limit);
    }

    @Test
    void rejectsBadArguments() throws Exception {
        try (Loopback loopback = new Loopback()) {
            SocketChannel near = loopback.pair().near();
            NullPointerException channel = assertThrows(NullPointerException.class, () -> TlsPreread.read(null, SHORT));
            assertEquals("channel", channel.getMessage());
            NullPointerException timeout = assertThrows(NullPointerException.class, () -> TlsPreread.read(near, null));
            assertEquals("timeout", timeout.getMessage());
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> TlsPreread.read(near, Duration.ZERO));
            assertEquals("timeout must be positive: PT0S", zero.getMessage());
            IllegalArgumentException limit = assertThrows(IllegalArgumentException.class,
                    () -> TlsPreread.read(near, SHORT, 10));
            assertEquals("maxBytes must be at least 50: 10", limit.getMessage());
            near.configureBlocking(false);
            IllegalArgumentException nonBlocking = assertThrows(IllegalArgumentException.class,
                    () -> TlsPreread.read(near, SHORT));
            assertEquals("channel must be in blocking mode", nonBlocking.getMessage());
        }
    }
}
