package io.splice4j.internal.proxy;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyHeaderParser;
import io.splice4j.ProxyProtocol;
import io.splice4j.ProxyProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads a header from a blocking channel under a deadline.
 *
 * <p>A TCP channel's reads go through its socket adaptor with {@code SO_TIMEOUT}: the JDK then waits
 * for each read with the channel's blocking mode unchanged as seen from Java, parking a virtual
 * thread instead of pinning its carrier. {@code SO_TIMEOUT} lives in the adaptor, not the kernel,
 * and is put back afterwards. A Unix-domain channel has no adaptor: it is read non-blocking, waits
 * on the one selector all such reads share ({@link UnixTimedRead}), and is blocking again on return.
 * Neither kind of wait costs an fd.
 */
public final class BlockingHeaderReader {

    private static final int CHUNK = 2048;

    private BlockingHeaderReader() {
    }

    /**
     * Reads until {@code parser} has a header.
     *
     * @param channel a connected channel in blocking mode
     * @param timeout the time the whole header may take, positive
     * @param parser a fresh parser
     * @return the header and the bytes read past it
     * @throws ProxyProtocolException if the bytes are no header, the stream ends first, or time runs out
     * @throws IOException if a read fails
     */
    public static ProxyProtocol.Received read(SocketChannel channel, Duration timeout, ProxyHeaderParser parser)
            throws IOException {
        Socket socket;
        try {
            socket = channel.socket();
        } catch (UnsupportedOperationException unixDomain) {
            try (UnixTimedRead read = UnixTimedRead.open(channel)) {
                return readHeader(timeout, parser, read);
            }
        }
        // Never closed: closing the adaptor's stream would close the channel.
        InputStream in = socket.getInputStream();
        int previousTimeout = socket.getSoTimeout();
        try {
            return readHeader(timeout, parser, (into, leftNanos) -> {
                socket.setSoTimeout(ceilMillis(leftNanos));
                int n;
                try {
                    n = in.read(into.array(), into.arrayOffset() + into.position(), into.remaining());
                } catch (SocketTimeoutException e) {
                    return 0;
                }
                if (n > 0) {
                    into.position(into.position() + n);
                }
                return n;
            });
        } finally {
            restoreTimeout(channel, socket, previousTimeout);
        }
    }

    /** One read that waits at most {@code leftNanos}. */
    interface TimedRead {
        /** @return bytes read into {@code into}, 0 if none came in time, -1 at the end of the stream */
        int read(ByteBuffer into, long leftNanos) throws IOException;
    }

    /** The one loop: reads until the parser has a header, the stream ends or the time is up. */
    private static ProxyProtocol.Received readHeader(Duration timeout, ProxyHeaderParser parser, TimedRead read)
            throws IOException {
        long start = System.nanoTime();
        long timeoutNanos = saturatedNanos(timeout);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        while (true) {
            long left = timeoutNanos - (System.nanoTime() - start);
            if (left <= 0) {
                throw timedOut(timeout, parser, new SocketTimeoutException("read timed out"));
            }
            int n = read.read(chunk.clear(), left);
            if (n < 0) {
                throw ended(parser);
            }
            if (n > 0) {
                Optional<ProxyHeader> header = parser.feed(chunk.flip());
                if (header.isPresent()) {
                    return new ProxyProtocol.Received(header.get(),
                            ByteBuffer.allocate(chunk.remaining()).put(chunk).flip());
                }
            }
        }
    }

    private static int ceilMillis(long nanos) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.ceilDiv(nanos, 1_000_000L)));
    }

    private static ProxyProtocolException ended(ProxyHeaderParser parser) {
        return new ProxyProtocolException("the peer ended the stream after " + parser.bytesConsumed()
                + " bytes, before a complete PROXY header");
    }

    private static void restoreTimeout(SocketChannel channel, Socket socket, int timeout) throws SocketException {
        try {
            socket.setSoTimeout(timeout);
        } catch (SocketException e) {
            if (channel.isOpen()) {
                throw e;
            }
            // Closed meanwhile: there is no timeout left to restore.
        }
    }

    private static ProxyProtocolException timedOut(Duration timeout, ProxyHeaderParser parser, Exception cause) {
        return new ProxyProtocolException("no complete PROXY header within " + timeout.toMillis() + " ms ("
                + parser.bytesConsumed() + " bytes received)", cause);
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
