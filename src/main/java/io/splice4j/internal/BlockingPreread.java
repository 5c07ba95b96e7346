package io.splice4j.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads what a peer sends first (a PROXY header, a TLS ClientHello) from a blocking channel under
 * a deadline, feeding an incremental parser until it has its result.
 *
 * <p>A TCP channel's reads go through its socket adaptor with {@code SO_TIMEOUT}: the JDK then waits
 * for each read with the channel's blocking mode unchanged as seen from Java, parking a virtual
 * thread instead of pinning its carrier. {@code SO_TIMEOUT} lives in the adaptor, not the kernel,
 * and is put back afterwards. A Unix-domain channel has no adaptor: it is read non-blocking, waits
 * on the one selector all such reads share ({@link UnixTimedRead}), and is blocking again on return.
 * Neither kind of wait costs an fd.
 */
public final class BlockingPreread {

    /** The most bytes one read asks for: what can be read past the parser's limit. */
    private static final int CHUNK = 2048;

    /**
     * An incremental parser.
     *
     * @param <T> what it parses
     */
    @FunctionalInterface
    public interface Parser<T> {
        /**
         * Takes bytes from the buffer's position: all of them while incomplete, up to the end of
         * what it parses once complete.
         *
         * @param input the bytes read
         * @return the result once complete, else empty
         * @throws IOException the parser's own exception if the bytes are not what it parses
         */
        Optional<T> feed(ByteBuffer input) throws IOException;
    }

    /** Makes the parser's own exception, for a stream that ends or a deadline that passes first. */
    @FunctionalInterface
    public interface Failure {
        /**
         * Creates the exception.
         *
         * @param message what went wrong
         * @param cause the failure that revealed it, or null
         * @return the exception
         */
        IOException create(String message, Throwable cause);
    }

    /**
     * What a read returned.
     *
     * @param <T> what was parsed
     * @param value the parser's result
     * @param bytes every byte read, the parsed ones first; not copied
     * @param end where the parsed bytes end in {@code bytes}
     */
    public record Result<T>(T value, byte[] bytes, int end) {

        /**
         * Returns every byte read.
         *
         * @return a buffer of them, from position 0
         */
        public ByteBuffer all() {
            return ByteBuffer.wrap(bytes.clone());
        }

        /**
         * Returns the bytes read past the parsed ones.
         *
         * @return a buffer of them, possibly empty, from position 0
         */
        public ByteBuffer pastEnd() {
            return ByteBuffer.wrap(Arrays.copyOfRange(bytes, end, bytes.length));
        }
    }

    private BlockingPreread() {
    }

    /**
     * Reads until {@code parser} has a result.
     *
     * @param <T> what is parsed
     * @param channel a connected channel in blocking mode
     * @param timeout the time the whole of it may take, positive
     * @param what what is parsed, for messages: {@code PROXY header}
     * @param parser a fresh parser
     * @param failure makes the parser's exception
     * @return the result and every byte read
     * @throws IOException the parser's exception if the bytes are not what it parses, the stream
     *     ends first or time runs out; another if a read fails
     * @throws IllegalArgumentException if the channel is in non-blocking mode or the timeout is not positive
     */
    public static <T> Result<T> read(SocketChannel channel, Duration timeout, String what, Parser<T> parser,
            Failure failure) throws IOException {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(timeout, "timeout");
        if (!channel.isBlocking()) {
            throw new IllegalArgumentException("channel must be in blocking mode");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        Loop<T> loop = new Loop<>(timeout, what, parser, failure);
        Socket socket;
        try {
            socket = channel.socket();
        } catch (UnsupportedOperationException unixDomain) {
            try (UnixTimedRead read = UnixTimedRead.open(channel)) {
                return loop.run(read);
            }
        }
        // Never closed: closing the adaptor's stream would close the channel.
        InputStream in = socket.getInputStream();
        int previousTimeout = socket.getSoTimeout();
        try {
            return loop.run((into, leftNanos) -> {
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

    /** The one loop: reads until the parser has a result, the stream ends or the time is up. */
    private record Loop<T>(Duration timeout, String what, Parser<T> parser, Failure failure) {

        Result<T> run(TimedRead read) throws IOException {
            long start = System.nanoTime();
            long timeoutNanos = saturatedNanos(timeout);
            byte[] bytes = new byte[CHUNK];
            int count = 0;
            while (true) {
                long left = timeoutNanos - (System.nanoTime() - start);
                if (left <= 0) {
                    throw failure.create("no complete " + what + " within " + timeout.toMillis() + " ms (" + count
                            + " bytes received)", new SocketTimeoutException("read timed out"));
                }
                if (bytes.length - count < CHUNK) {
                    bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, count + CHUNK));
                }
                int n = read.read(ByteBuffer.wrap(bytes, count, CHUNK).slice(), left);
                if (n < 0) {
                    throw failure.create("the peer ended the stream after " + count + " bytes, before a complete "
                            + what, null);
                }
                if (n > 0) {
                    ByteBuffer fresh = ByteBuffer.wrap(bytes, count, n);
                    count += n;
                    Optional<T> value = parser.feed(fresh);
                    if (value.isPresent()) {
                        return new Result<>(value.get(), Arrays.copyOf(bytes, count), fresh.position());
                    }
                }
            }
        }
    }

    private static int ceilMillis(long nanos) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.ceilDiv(nanos, 1_000_000L)));
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

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
