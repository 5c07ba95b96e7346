package io.splice4j.support;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The benchmarks' view of the payload stream is the tests' stream, and its check catches every change. */
class PayloadTest {

    /** Two periods and a bit: the buffer crosses the stream's period twice. */
    private static final int SIZE = 2 * Payload.period() + 4099;

    @Test
    void directHoldsTheStreamsFirstBytes() throws Exception {
        ByteBuffer direct = Payload.direct(SIZE);
        assertTrue(direct.isDirect() && direct.isReadOnly(), direct::toString);
        assertEquals(SIZE, direct.remaining());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(direct.duplicate());
        assertEquals(Payload.expected(SIZE), new Digest(SIZE, HexFormat.of().formatHex(sha.digest())));
    }

    @Test
    void checkAcceptsTheStreamFromAnyOffsetAndLeavesTheBufferAlone() {
        ByteBuffer direct = Payload.direct(SIZE);
        // A piece that starts one period in is the same bytes as the piece at the start.
        ByteBuffer piece = direct.slice(10, 3 * 4096);
        assertDoesNotThrow(() -> Payload.check(10, piece));
        assertDoesNotThrow(() -> Payload.check(Payload.period() + 10L, piece));
        assertDoesNotThrow(() -> Payload.check(5L * Payload.period() + 10, piece));
        assertDoesNotThrow(() -> Payload.check(0, direct));
        assertEquals(0, piece.position());
        assertEquals(3 * 4096, piece.limit());
    }

    @Test
    void checkNamesTheFirstByteThatDiffers() {
        ByteBuffer changed = ByteBuffer.allocate(SIZE).put(Payload.direct(SIZE)).flip();
        int at = Payload.period() + 77;
        changed.put(at, (byte) ~changed.get(at));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Payload.check(0, changed));
        assertEquals("stream byte " + at + " differs from what was sent", e.getMessage());
    }

    @Test
    void checkCatchesBytesFromTheWrongOffset() {
        ByteBuffer piece = Payload.direct(4096).slice(1, 1024);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Payload.check(0, piece));
        assertTrue(e.getMessage().startsWith("stream byte "), e.getMessage());
    }
}
