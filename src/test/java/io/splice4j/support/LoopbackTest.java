package io.splice4j.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pairs are connected, a closed pair is forgotten, and the loopback closes what is still open. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LoopbackTest {

    @Test
    void aPairsEndsAreConnected() throws Exception {
        try (Loopback loopback = new Loopback()) {
            Loopback.Pair pair = loopback.pair();
            Digest sent = Payload.write(pair.far(), 100_000);
            pair.far().shutdownOutput();
            assertEquals(sent, Payload.readToEnd(pair.near()));
        }
    }

    @Test
    void closingAPairClosesBothEndsAndTheLoopbackClosesTheRest() throws Exception {
        Map<Integer, String> before = OpenFds.list();
        Loopback.Pair closedEarly;
        Loopback.Pair leftOpen;
        try (Loopback loopback = new Loopback()) {
            closedEarly = loopback.pair();
            leftOpen = loopback.pair();
            closedEarly.close();
            assertFalse(closedEarly.near().isOpen() || closedEarly.far().isOpen());
            assertTrue(leftOpen.near().isOpen() && leftOpen.far().isOpen());
        }
        assertFalse(leftOpen.near().isOpen() || leftOpen.far().isOpen());
        assertEquals("", OpenFds.openedSince(before));
    }

    @Test
    void abortResetsThePeer() throws Exception {
        try (Loopback loopback = new Loopback(); Loopback.Pair pair = loopback.pair()) {
            Loopback.abort(pair.far());
            SocketChannel near = pair.near();
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> near.read(ByteBuffer.allocate(16)));
            assertEquals("Connection reset", e.getMessage());
        }
    }
}
