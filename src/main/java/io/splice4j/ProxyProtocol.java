package io.splice4j;

import io.splice4j.internal.BlockingPreread;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * Reads a PROXY protocol header from a blocking socket channel, TCP or Unix-domain, with a time limit.
 *
 * <p>For an event loop, feed a {@link ProxyHeaderParser} instead. To send a header, write
 * {@link ProxyHeader#encodeV1()} or {@link ProxyHeader#encodeV2()}.
 */
public final class ProxyProtocol {

    /**
     * A header read from a channel and the bytes that came with it.
     *
     * @param header the header
     * @param pastHeader the bytes the peer sent after the header that were read with it: possibly
     *     none, from position 0 to the limit. They are the peer's first data: send them on before
     *     anything else read from the channel.
     */
    public record Received(ProxyHeader header, ByteBuffer pastHeader) {

        /**
         * Checks the components.
         *
         * @param header the header, not null
         * @param pastHeader the bytes read past it, not null
         */
        public Received {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(pastHeader, "pastHeader");
        }
    }

    private ProxyProtocol() {
    }

    /**
     * Reads a header with the default version 2 limit ({@link ProxyHeaderParser#DEFAULT_MAX_V2_LENGTH}).
     *
     * @param channel a connected channel in blocking mode
     * @param timeout how long the whole header may take to arrive, positive
     * @return the header and the bytes read past it
     * @throws ProxyProtocolException if the bytes are no valid header, the peer ends the stream
     *     before one is complete, or none is complete within {@code timeout} (the message then says
     *     {@code no complete PROXY header within 5000 ms}, the cause is a
     *     {@link java.net.SocketTimeoutException})
     * @throws IOException if reading fails
     * @see #read(SocketChannel, Duration, int)
     */
    public static Received read(SocketChannel channel, Duration timeout) throws IOException {
        return read(channel, timeout, ProxyHeaderParser.DEFAULT_MAX_V2_LENGTH);
    }

    /**
     * Reads a header from a blocking channel, waiting at most {@code timeout} for all of it.
     *
     * <p>The channel is in blocking mode again on return (a Unix-domain channel, which has no read
     * timeout of its own, is waited for non-blocking meanwhile), and a virtual thread waiting here
     * unmounts from its carrier. Waiting opens no file descriptor: Unix-domain channels wait on one
     * selector that all such reads in the JVM share, opened with its daemon thread on first use
     * (two fds for good). On any failure the channel is left open with an unknown number of bytes
     * consumed: closing it is the caller's job. Closing the channel from another thread ends the
     * wait with an {@link java.nio.channels.AsynchronousCloseException}; interrupting the reading
     * thread closes the channel, as any blocking channel read does.
     *
     * @param channel a connected channel in blocking mode
     * @param timeout how long the whole header may take to arrive, positive
     * @param maxV2Length the largest version 2 length field to accept, 0 to 65535
     * @return the header and the bytes read past it
     * @throws ProxyProtocolException if the bytes are no valid header, the peer ends the stream
     *     before one is complete, or none is complete within {@code timeout} (the message then says
     *     {@code no complete PROXY header within 5000 ms}, the cause is a
     *     {@link java.net.SocketTimeoutException})
     * @throws IOException if reading fails
     * @throws IllegalArgumentException if the channel is in non-blocking mode, the timeout is not
     *     positive or {@code maxV2Length} is out of range
     */
    public static Received read(SocketChannel channel, Duration timeout, int maxV2Length) throws IOException {
        ProxyHeaderParser parser = new ProxyHeaderParser(maxV2Length);
        BlockingPreread.Result<ProxyHeader> read = BlockingPreread.read(channel, timeout, "PROXY header",
                parser::feed, ProxyProtocolException::new);
        return new Received(read.value(), read.pastEnd());
    }
}
