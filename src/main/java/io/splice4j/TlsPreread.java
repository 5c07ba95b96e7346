package io.splice4j;

import io.splice4j.internal.BlockingPreread;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * Reads a TLS ClientHello from a blocking socket channel, TCP or Unix-domain, with a time limit,
 * keeping every byte read: the server a router picks by the hello needs all of them, the hello
 * first. Relay them with {@link SpliceOptions.Builder#firstBytesAtoB}.
 *
 * <p>For an event loop, feed a {@link TlsClientHelloParser} instead.
 */
public final class TlsPreread {

    /**
     * A ClientHello read from a channel and the bytes it came in.
     *
     * @param hello the hello
     * @param bytes every byte read, from position 0 to the limit: the hello's
     *     {@link TlsClientHello#bytesConsumed()} first, then any the client sent after it that were
     *     read with it. Send them on before anything else read from the channel.
     */
    public record Received(TlsClientHello hello, ByteBuffer bytes) {

        /**
         * Checks the components.
         *
         * @param hello the hello, not null
         * @param bytes the bytes read, not null
         */
        public Received {
            Objects.requireNonNull(hello, "hello");
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    private TlsPreread() {
    }

    /**
     * Reads a hello with the default limit ({@link TlsClientHelloParser#DEFAULT_MAX_BYTES}).
     *
     * @param channel a connected channel in blocking mode
     * @param timeout how long the whole hello may take to arrive, positive
     * @return the hello and every byte read
     * @throws TlsClientHelloException if the bytes are no valid ClientHello within the limit, the
     *     peer ends the stream before one is complete, or none is complete within {@code timeout}
     *     (the message then says {@code no complete TLS ClientHello within 5000 ms}, the cause is
     *     a {@link java.net.SocketTimeoutException})
     * @throws IOException if reading fails
     * @see #read(SocketChannel, Duration, int)
     */
    public static Received read(SocketChannel channel, Duration timeout) throws IOException {
        return read(channel, timeout, TlsClientHelloParser.DEFAULT_MAX_BYTES);
    }

    /**
     * Reads a hello from a blocking channel, waiting at most {@code timeout} for all of it.
     *
     * <p>The channel is in blocking mode again on return (a Unix-domain channel, which has no read
     * timeout of its own, is waited for non-blocking meanwhile), and a virtual thread waiting here
     * unmounts from its carrier. On any failure the channel is left open with an unknown number of
     * bytes consumed: closing it is the caller's job. Closing the channel from another thread ends
     * the wait with an {@link java.nio.channels.AsynchronousCloseException}; interrupting the
     * reading thread closes the channel, as any blocking channel read does. Reads take at most 2 KiB
     * each, so at most the limit and 2 KiB more are read.
     *
     * @param channel a connected channel in blocking mode
     * @param timeout how long the whole hello may take to arrive, positive
     * @param maxBytes the most bytes of TLS records the hello may take, at least
     *     {@value TlsClientHelloParser#MIN_MAX_BYTES}
     * @return the hello and every byte read
     * @throws TlsClientHelloException if the bytes are no valid ClientHello within the limit, the
     *     peer ends the stream before one is complete, or none is complete within {@code timeout}
     *     (the message then says {@code no complete TLS ClientHello within 5000 ms}, the cause is
     *     a {@link java.net.SocketTimeoutException})
     * @throws IOException if reading fails
     * @throws IllegalArgumentException if the channel is in non-blocking mode, the timeout is not
     *     positive or {@code maxBytes} is too small
     */
    public static Received read(SocketChannel channel, Duration timeout, int maxBytes) throws IOException {
        TlsClientHelloParser parser = new TlsClientHelloParser(maxBytes);
        BlockingPreread.Result<TlsClientHello> read = BlockingPreread.read(channel, timeout, "TLS ClientHello",
                parser::feed, TlsClientHelloException::new);
        return new Received(read.value(), read.all());
    }
}
