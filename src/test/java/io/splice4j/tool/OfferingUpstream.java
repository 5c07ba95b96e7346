package io.splice4j.tool;

import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream for thousands of connections at once, all on one thread: non-blocking sockets under
 * one {@link Selector}, no thread per connection. A connection first sends an 8-byte count
 * (big-endian); from then on the upstream offers it that many bytes of {@link Payload}, as fast as
 * the connection takes them, and reads and digests whatever the connection sends after the count.
 * Once the offer is written and the connection's stream has ended, the upstream hands over the
 * digest of what it received ({@link #uploads()}) and closes it (FIN). A connection whose read or
 * write fails is closed and its failure kept ({@link #failures()}): a reset passed on by the
 * forwarder shows up there as {@code Connection reset}.
 */
final class OfferingUpstream implements AutoCloseable {

    private final ServerSocketChannel server;
    private final Selector selector;
    private final int sendBuffer;
    private final ConnectionTally tally = new ConnectionTally();
    private final BlockingQueue<Digest> uploads = new LinkedBlockingQueue<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger unwritten = new AtomicInteger();
    /** Two periods of the stream: a write from any offset takes up to one period from here. */
    private final ByteBuffer source = Payload.direct(2 * Payload.period());
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final Thread thread;
    private volatile boolean closing;

    /**
     * Starts listening on a loopback port.
     *
     * @param sendBuffer {@code SO_SNDBUF} of each accepted connection, or 0 for the kernel's own
     *     (which grows to 4 MiB a connection): what thousands of stalled offers may hold in the kernel
     */
    OfferingUpstream(int sendBuffer) throws IOException {
        this.sendBuffer = sendBuffer;
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.configureBlocking(false);
        selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = Thread.ofPlatform().name("offering-upstream").daemon().start(this::run);
    }

    int port() {
        return server.socket().getLocalPort();
    }

    /** Connections accepted, open, and the most open at once. */
    ConnectionTally tally() {
        return tally;
    }

    /** The digest of each upload received whole, in the order the uploads ended. */
    BlockingQueue<Digest> uploads() {
        return uploads;
    }

    /** Why each connection that failed did: its exception's message. */
    List<String> failures() {
        return failures;
    }

    /** Offers of open connections not yet written whole: those whose clients take no more, for one. */
    int offersUnwritten() {
        return unwritten.get();
    }

    /** The 8 bytes that ask for {@code size} bytes. */
    static ByteBuffer request(long size) {
        return ByteBuffer.allocate(Long.BYTES).putLong(0, size);
    }

    private void run() {
        try (selector; server) {
            while (!closing) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else {
                        ((Offer) key.attachment()).ready(key);
                    }
                }
                selector.selectedKeys().clear();
            }
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
        } catch (IOException e) {
            failures.add("upstream: " + e);
        }
    }

    private void acceptAll() throws IOException {
        SocketChannel channel;
        while ((channel = server.accept()) != null) {
            channel.configureBlocking(false);
            if (sendBuffer > 0) {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, sendBuffer);
            }
            tally.opened();
            channel.register(selector, SelectionKey.OP_READ, new Offer(channel));
        }
    }

    /** One connection: its request, how much of its offer is written, what it sent. */
    private final class Offer {
        private final SocketChannel channel;
        private final ByteBuffer request = ByteBuffer.allocate(Long.BYTES);
        private final MessageDigest received = sha256();
        private long offer = -1;
        private long written;
        private long uploaded;
        private boolean ended;

        Offer(SocketChannel channel) {
            this.channel = channel;
        }

        void ready(SelectionKey key) {
            try {
                if (key.isReadable()) {
                    read(key);
                }
                if (key.isValid() && key.isWritable()) {
                    write(key);
                }
                if (ended && written == offer) {
                    uploads.add(Digest.of(uploaded, received.digest()));
                    close();
                }
            } catch (IOException e) {
                failures.add(String.valueOf(e.getMessage()));
                close();
            }
        }

        private void read(SelectionKey key) throws IOException {
            readBuffer.clear();
            if (channel.read(readBuffer) < 0) {
                if (offer < 0) {
                    throw new IOException("the stream ended before its 8-byte request");
                }
                ended = true;
                key.interestOpsAnd(~SelectionKey.OP_READ);
                return;
            }
            readBuffer.flip();
            if (offer < 0) {
                while (request.hasRemaining() && readBuffer.hasRemaining()) {
                    request.put(readBuffer.get());
                }
                if (request.hasRemaining()) {
                    return;
                }
                offer = request.getLong(0);
                if (offer > 0) {
                    unwritten.incrementAndGet();
                    key.interestOpsOr(SelectionKey.OP_WRITE);
                }
            }
            uploaded += readBuffer.remaining();
            received.update(readBuffer);
        }

        private void write(SelectionKey key) throws IOException {
            int start = (int) (written % Payload.period());
            int length = (int) Math.min(offer - written, Payload.period());
            written += channel.write(source.duplicate().limit(start + length).position(start));
            if (written == offer) {
                unwritten.decrementAndGet();
                key.interestOpsAnd(~SelectionKey.OP_WRITE);
            }
        }

        private void close() {
            if (written < offer) {
                unwritten.decrementAndGet();
            }
            try {
                channel.close();
            } catch (IOException e) {
                failures.add("close: " + e.getMessage());
            }
            tally.closed();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Closes the listener and every connection still open, and stops the thread. */
    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
