package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** What forwarder tests do on a client connection: small distinct messages, and waiting for the end. */
final class Wire {

    private Wire() {
    }

    /** Eight bytes that differ for every {@code index}. */
    static ByteBuffer token(long index) {
        return ByteBuffer.allocate(Long.BYTES).putLong(0, index * 0x9E3779B97F4A7C15L);
    }

    /** Sends {@link #token} of {@code index} and checks that exactly it comes back. */
    static void roundTrip(SocketChannel client, long index) throws IOException {
        ByteBuffer sent = token(index);
        write(client, sent.duplicate());
        assertArrayEquals(sent.array(), readExactly(client, Long.BYTES), "connection " + index);
    }

    static void write(SocketChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Reads {@code size} bytes, failing at an earlier end-of-stream. */
    static byte[] readExactly(SocketChannel channel, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("end of stream after " + buffer.position() + " of " + size + " bytes");
            }
        }
        return buffer.array();
    }

    /**
     * Waits up to {@code seconds} for a blocking client's connection to end, by end-of-stream or a
     * reset, with no byte before it.
     */
    static void awaitEnd(SocketChannel client, int seconds, String what) throws IOException {
        client.socket().setSoTimeout(seconds * 1000);
        try {
            assertEquals(-1, client.socket().getInputStream().read(), what);
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + ": still open after " + seconds + " s", e);
        } catch (IOException reset) {
            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
        }
    }
}
