package io.splice4j.tool;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyHeaderParser;
import io.splice4j.ProxyProtocol;
import io.splice4j.ProxyProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads a PROXY header from a blocking channel that has no socket adaptor, a Unix-domain one,
 * where {@link ProxyProtocol#read} can't set a read timeout: a virtual thread that sleeps out the
 * time limit closes the channel if the header is still incomplete, which ends the read. The
 * channel is closed on failure either way, so nothing is lost by closing it early.
 */
final class ClosingHeaderReader {

    private ClosingHeaderReader() {
    }

    /**
     * Reads a header within {@code timeout}, the default version 2 length limit applying.
     *
     * @throws ProxyProtocolException if the bytes are no header, the stream ends first, or time runs
     *     out (the channel is then closed)
     * @throws IOException if reading fails, or the channel is closed by someone else
     */
    static ProxyProtocol.Received read(SocketChannel channel, Duration timeout) throws IOException {
        ProxyHeaderParser parser = new ProxyHeaderParser();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean late = new AtomicBoolean();
        Thread timer = Thread.ofVirtual().name("splice4j-proxy-timeout").start(() -> {
            try {
                Thread.sleep(timeout);
            } catch (InterruptedException e) {
                return;
            }
            if (finished.compareAndSet(false, true)) {
                late.set(true);
                Connection.closeQuietly(channel);
            }
        });
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        try {
            while (true) {
                int n;
                try {
                    n = channel.read(buffer.clear());
                } catch (AsynchronousCloseException e) {
                    if (late.get()) {
                        throw late(timeout, parser, e);
                    }
                    throw e;
                }
                if (n < 0) {
                    throw new ProxyProtocolException("the peer ended the stream after " + parser.bytesConsumed()
                            + " bytes, before a complete PROXY header");
                }
                Optional<ProxyHeader> header = parser.feed(buffer.flip());
                if (header.isPresent()) {
                    if (!finished.compareAndSet(false, true)) {
                        // The timer won: the channel is closed, whatever came with the header is gone.
                        throw late(timeout, parser, null);
                    }
                    return new ProxyProtocol.Received(header.get(),
                            ByteBuffer.allocate(buffer.remaining()).put(buffer).flip());
                }
            }
        } finally {
            finished.set(true);
            timer.interrupt();
        }
    }

    private static ProxyProtocolException late(Duration timeout, ProxyHeaderParser parser, Exception cause) {
        return new ProxyProtocolException("no complete PROXY header within " + timeout.toMillis() + " ms ("
                + parser.bytesConsumed() + " bytes received)", cause);
    }
}
