package io.splice4j.internal.portable;

import io.splice4j.SpliceException;
import io.splice4j.TransferPath;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.Metrics;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;

/**
 * The portable transfer loop: the JDK's blocking channel reads and writes through one buffer
 * allocated per loop and reused. Works on every OS and parks virtual threads properly.
 */
public final class PortableLoop {

    /** Buffers beyond this size gain nothing: the socket buffers are smaller. */
    public static final int MAX_BUFFER_SIZE = 4 << 20;

    private PortableLoop() {
    }

    /**
     * Copies from {@code source} to {@code target} until the source's end-of-stream.
     *
     * @param source a connected blocking channel
     * @param target a connected blocking channel
     * @param chunkSize the buffer size, capped at {@link #MAX_BUFFER_SIZE}
     * @param progress told of every block of bytes the target accepted
     * @return bytes delivered to the target
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long transfer(SocketChannel source, SocketChannel target, int chunkSize, LongConsumer progress)
            throws IOException {
        ChannelGuard guard = new ChannelGuard(source, target);
        Metrics.started(TransferPath.PORTABLE);
        try {
            long delivered = copy(source, target, chunkSize, progress, guard);
            Metrics.finished(TransferPath.PORTABLE);
            return delivered;
        } catch (IOException | RuntimeException | Error e) {
            Metrics.failed(TransferPath.PORTABLE);
            throw e;
        }
    }

    private static long copy(SocketChannel source, SocketChannel target, int chunkSize, LongConsumer progress,
            ChannelGuard guard) throws IOException {
        // A direct buffer saves the copy the JDK makes from a heap buffer into its own
        // temporary direct buffer; the arena frees it when the loop ends, without waiting for GC.
        try (Arena arena = Arena.ofConfined(); CloseWatcher.Watch targetWatch = CloseWatcher.watch(source, target)) {
            ByteBuffer buffer = arena.allocate(Math.min(chunkSize, MAX_BUFFER_SIZE)).asByteBuffer();
            long delivered = 0;
            for (;;) {
                int read;
                try {
                    read = source.read(buffer);
                } catch (IOException e) {
                    throw failure(guard, "read(source)", delivered, e);
                }
                if (read < 0) {
                    if (targetWatch.fired()) {
                        // Not the source's end-of-stream: the watcher shut its input because the target closed.
                        throw new AsynchronousCloseException();
                    }
                    return delivered;
                }
                buffer.flip();
                try {
                    // A blocking write returns only when the whole buffer is written.
                    while (buffer.hasRemaining()) {
                        target.write(buffer);
                    }
                } catch (IOException e) {
                    throw failure(guard, "write(target)", delivered, e);
                }
                delivered += read;
                Metrics.delivered(TransferPath.PORTABLE, read);
                progress.accept(read);
                buffer.clear();
            }
        }
    }

    /**
     * Turns a channel operation's failure into what the caller should see: the JDK's close and
     * interrupt exceptions as such (an interrupt closes both channels), anything else as a
     * {@link SpliceException} carrying the bytes delivered.
     */
    static IOException failure(ChannelGuard guard, String operation, long delivered, IOException e) {
        if (e instanceof ClosedByInterruptException) {
            return guard.interrupted();
        }
        if (e instanceof AsynchronousCloseException) {
            return e;
        }
        if (e instanceof ClosedChannelException) {
            // Closed between two calls: still during the transfer, which began with both open.
            AsynchronousCloseException closed = new AsynchronousCloseException();
            closed.initCause(e);
            return closed;
        }
        try {
            guard.check();
        } catch (AsynchronousCloseException closed) {
            return closed;
        }
        return new SpliceException(operation, delivered, e);
    }
}
