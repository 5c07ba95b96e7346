package io.splice4j.internal.portable;

import io.splice4j.SpliceException;
import io.splice4j.TransferPath;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.Metrics;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * The portable file ↔ socket transfers: the JDK's own channel operations, on every OS and thread.
 *
 * <p>File → socket is {@link FileChannel#transferTo} (on Linux the JDK's blocking {@code sendfile})
 * on platform threads. A virtual thread copies through a direct buffer instead: the JDK's
 * {@code sendfile} to a blocking socket would pin its carrier, while a socket write parks it.
 *
 * <p>Socket → file copies through one direct buffer, not {@link FileChannel#transferFrom}: that
 * reads through an 8 KiB heap buffer, can't be woken by closing the file, and when a read fails after
 * some bytes it returns their count and drops the exception, so a reset after a partial read would
 * look like end-of-stream.
 */
public final class FileCopy {

    private FileCopy() {
    }

    /**
     * Sends up to {@code count} bytes of {@code source} from {@code position}, fewer if the file ends
     * first.
     *
     * @param source a file channel open for reading
     * @param position where in the file to start; not negative
     * @param count the most bytes; not negative
     * @param target a connected blocking socket channel
     * @param chunkSize the most bytes per call, and the buffer size (capped at {@link PortableLoop#MAX_BUFFER_SIZE})
     * @return bytes the socket accepted
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long send(FileChannel source, long position, long count, SocketChannel target, int chunkSize)
            throws IOException {
        ChannelGuard guard = new ChannelGuard(source, target);
        Metrics.started(TransferPath.PORTABLE);
        try (Arena arena = Arena.ofConfined()) {
            Sender sender = new Sender(source, position, count, target, chunkSize, guard, arena);
            long delivered = Thread.currentThread().isVirtual() ? sender.copyAll() : sender.transferAll();
            Metrics.finished(TransferPath.PORTABLE);
            return delivered;
        } catch (IOException | RuntimeException | Error e) {
            Metrics.failed(TransferPath.PORTABLE);
            throw e;
        }
    }

    /**
     * Writes bytes from {@code source} into {@code target} at {@code position} until {@code count}
     * bytes are written or the source reaches end-of-stream; never reads more than {@code count}.
     *
     * @param source a connected blocking socket channel
     * @param target a file channel open for writing
     * @param position where in the file to write the first byte; not negative
     * @param count the most bytes; not negative
     * @param chunkSize the buffer size, capped at {@link PortableLoop#MAX_BUFFER_SIZE}
     * @return bytes written to the file
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long receive(SocketChannel source, FileChannel target, long position, long count, int chunkSize)
            throws IOException {
        ChannelGuard guard = new ChannelGuard(source, target);
        Metrics.started(TransferPath.PORTABLE);
        // The watcher wakes a read blocked on the socket when the file is closed: the JDK wakes it
        // only for a close of the socket itself.
        try (Arena arena = Arena.ofConfined(); CloseWatcher.Watch fileWatch = CloseWatcher.watch(source, target)) {
            ByteBuffer buffer = arena.allocate(bufferSize(chunkSize, count)).asByteBuffer();
            long delivered = 0;
            while (delivered < count) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), count - delivered));
                int read;
                try {
                    read = source.read(buffer);
                } catch (IOException e) {
                    throw PortableLoop.failure(guard, "read(source)", delivered, e);
                }
                if (read < 0) {
                    if (fileWatch.fired()) {
                        throw new AsynchronousCloseException();
                    }
                    break;
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    int written;
                    try {
                        written = target.write(buffer, position + delivered);
                    } catch (IOException e) {
                        throw PortableLoop.failure(guard, "write(target)", delivered, e);
                    }
                    delivered += written;
                    Metrics.delivered(TransferPath.PORTABLE, written);
                }
            }
            Metrics.finished(TransferPath.PORTABLE);
            return delivered;
        } catch (IOException | RuntimeException | Error e) {
            Metrics.failed(TransferPath.PORTABLE);
            throw e;
        }
    }

    /** No bigger than the transfer needs, so that a small file doesn't cost a large buffer. */
    private static int bufferSize(int chunkSize, long count) {
        return (int) Math.max(1, Math.min(Math.min(chunkSize, PortableLoop.MAX_BUFFER_SIZE), count));
    }

    /** One file → socket transfer's state. */
    private static final class Sender {
        private final FileChannel source;
        private final long position;
        private final long count;
        private final SocketChannel target;
        private final int chunk;
        private final ChannelGuard guard;
        private final Arena arena;
        private ByteBuffer buffer;
        private long delivered;

        Sender(FileChannel source, long position, long count, SocketChannel target, int chunkSize, ChannelGuard guard,
                Arena arena) {
            this.source = source;
            this.position = position;
            this.count = count;
            this.target = target;
            this.chunk = chunkSize;
            this.guard = guard;
            this.arena = arena;
        }

        /**
         * The JDK's {@code transferTo}, a chunk per call. It returns 0 at the end of the file, and also
         * when the socket is in the kernel's non-blocking mode (after a virtual thread or a zero-copy
         * transfer used it) and its buffer is full: it doesn't wait. A copied chunk, whose blocking
         * write does wait, tells the two apart without spinning.
         */
        long transferAll() throws IOException {
            while (delivered < count) {
                guard.check();
                long sent;
                try {
                    sent = source.transferTo(position + delivered, Math.min(chunk, count - delivered), target);
                } catch (IOException e) {
                    throw PortableLoop.failure(guard, "transferTo(target)", delivered, e);
                }
                if (sent > 0) {
                    delivered += sent;
                    Metrics.delivered(TransferPath.PORTABLE, sent);
                } else if (copyChunk() < 0) {
                    break;
                }
            }
            return delivered;
        }

        /** Direct-buffer copies only. */
        long copyAll() throws IOException {
            while (delivered < count) {
                guard.check();
                if (copyChunk() < 0) {
                    break;
                }
            }
            return delivered;
        }

        /** Reads one chunk at the next offset and writes all of it; {@code -1} at the end of the file. */
        private int copyChunk() throws IOException {
            if (buffer == null) {
                buffer = arena.allocate(bufferSize(chunk, count)).asByteBuffer();
            }
            buffer.clear().limit((int) Math.min(buffer.capacity(), count - delivered));
            int read;
            try {
                read = source.read(buffer, position + delivered);
            } catch (IOException e) {
                throw PortableLoop.failure(guard, "read(source)", delivered, e);
            }
            if (read <= 0) {
                return -1;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                int written;
                try {
                    written = target.write(buffer);
                } catch (IOException e) {
                    throw PortableLoop.failure(guard, "write(target)", delivered, e);
                }
                delivered += written;
                Metrics.delivered(TransferPath.PORTABLE, written);
            }
            return read;
        }
    }
}
