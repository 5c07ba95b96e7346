package io.splice4j.internal.portable;

import io.splice4j.SpliceException;
import io.splice4j.TransferPath;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.TransferRecord;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.SocketChannel;

/**
 * The portable transfers, counterparts of the zero-copy {@code BlockingSplice}: the JDK's blocking
 * channel operations through one direct buffer per transfer, on every OS, parking virtual threads
 * properly. A {@link CloseWatcher} wakes a blocked read when the other channel is closed or the idle
 * timeout passes.
 *
 * <p>File → socket is {@link FileChannel#transferTo} (on Linux the JDK's blocking {@code sendfile})
 * on platform threads; a virtual thread copies instead, because the JDK's {@code sendfile} to a
 * blocking socket would pin its carrier. Socket → file copies, not {@link FileChannel#transferFrom}:
 * that reads through an 8 KiB heap buffer, can't be woken by closing the file, and when a read fails
 * after some bytes it returns their count and drops the exception, so a reset would look like
 * end-of-stream.
 */
public final class BlockingCopy {

    /** Buffers beyond this size gain nothing: the socket buffers are smaller. */
    public static final int MAX_BUFFER_SIZE = 4 << 20;

    private final ChannelGuard guard;
    private final TransferRecord record;
    private final CloseWatcher.Watch watch;
    private final ByteBuffer buffer;

    private BlockingCopy(ChannelGuard guard, TransferRecord record, CloseWatcher.Watch watch, ByteBuffer buffer) {
        this.guard = guard;
        this.record = record;
        this.watch = watch;
        this.buffer = buffer;
    }

    /**
     * Copies from {@code source} to {@code target} until the source's end-of-stream.
     *
     * @return bytes delivered
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long sockets(SocketChannel source, SocketChannel target, int chunkSize, TransferRecord record)
            throws IOException {
        ChannelGuard guard = new ChannelGuard(source, target);
        try (Arena arena = Arena.ofConfined();
                CloseWatcher.Watch watch = CloseWatcher.watch(source, target, target, record.activity())) {
            BlockingCopy copy = new BlockingCopy(guard, record, watch, buffer(arena, chunkSize, Long.MAX_VALUE));
            while (copy.readAndWrite(source, -1, target, null, 0, Long.MAX_VALUE) >= 0) {
                // Until end-of-stream.
            }
            return record.bytes();
        }
    }

    /**
     * Writes from {@code source} into {@code target} at {@code position} until {@code count} bytes or
     * the source's end-of-stream; never reads more than {@code count}.
     *
     * @return bytes written to the file
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long socketToFile(SocketChannel source, FileChannel target, long position, long count,
            int chunkSize, TransferRecord record) throws IOException {
        ChannelGuard guard = new ChannelGuard(source, target);
        try (Arena arena = Arena.ofConfined();
                CloseWatcher.Watch watch = CloseWatcher.watch(source, target, null, record.activity())) {
            BlockingCopy copy = new BlockingCopy(guard, record, watch, buffer(arena, chunkSize, count));
            while (record.bytes() < count && copy.readAndWrite(source, -1, null, target, position, count) >= 0) {
                // Until count or end-of-stream.
            }
            return record.bytes();
        }
    }

    /**
     * Sends up to {@code count} bytes of {@code source} from {@code position}, fewer if the file ends
     * first.
     *
     * @return bytes the socket accepted
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long fileToSocket(FileChannel source, long position, long count, SocketChannel target,
            int chunkSize, TransferRecord record) throws IOException {
        ChannelGuard guard = new ChannelGuard(source, target);
        try (Arena arena = Arena.ofConfined();
                CloseWatcher.Watch watch = CloseWatcher.watch(null, source, target, record.activity())) {
            BlockingCopy copy = new BlockingCopy(guard, record, watch, buffer(arena, chunkSize, count));
            boolean virtual = Thread.currentThread().isVirtual();
            while (record.bytes() < count) {
                guard.check();
                long sent = virtual ? 0 : copy.transferTo(source, position, count, target, chunkSize);
                // transferTo returns 0 at the end of the file, and also when the socket is in the
                // kernel's non-blocking mode (after a virtual thread or a zero-copy transfer used it)
                // and its buffer is full: it doesn't wait. A copied chunk, whose blocking write does
                // wait, tells the two apart without spinning.
                if (sent == 0 && copy.readAndWrite(null, position + record.bytes(), target, source, -1, count) < 0) {
                    break;
                }
            }
            return record.bytes();
        }
    }

    private long transferTo(FileChannel source, long position, long count, SocketChannel target, int chunkSize)
            throws IOException {
        long delivered = record.bytes();
        long sent;
        try {
            sent = source.transferTo(position + delivered, Math.min(chunkSize, count - delivered), target);
        } catch (IOException e) {
            throw failure("transferTo(target)", e);
        }
        if (sent > 0) {
            record.delivered(TransferPath.PORTABLE, sent);
        }
        return sent;
    }

    /**
     * Reads one buffer and writes all of it. Reads from {@code socket}, or from {@code file} at
     * {@code filePosition} when {@code socket} is null; writes to {@code targetSocket}, or to
     * {@code targetFile} at {@code position} plus the bytes delivered.
     *
     * @return the bytes read, or {@code -1} at the end of the stream or file
     */
    private int readAndWrite(SocketChannel socket, long filePosition, SocketChannel targetSocket, FileChannel file,
            long position, long count) throws IOException {
        long delivered = record.bytes();
        buffer.clear().limit((int) Math.min(buffer.capacity(), count - delivered));
        int read;
        try {
            read = socket != null ? socket.read(buffer) : file.read(buffer, filePosition);
        } catch (IOException e) {
            throw failure("read(source)", e);
        }
        if (read < 0 || (read == 0 && socket == null)) {
            if (watch.timedOut()) {
                throw record.activity().timeout(record.bytes());
            }
            if (watch.fired()) {
                // Not the source's end-of-stream: the watcher shut its input because the target closed.
                throw new AsynchronousCloseException();
            }
            return -1;
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
            int written;
            try {
                written = targetSocket != null && socket != null ? targetSocket.write(buffer)
                        : socket != null ? file.write(buffer, position + record.bytes())
                        : targetSocket.write(buffer);
            } catch (IOException e) {
                throw failure("write(target)", e);
            }
            record.delivered(TransferPath.PORTABLE, written);
        }
        return read;
    }

    /** No bigger than the transfer needs, so that a small file doesn't cost a large buffer. */
    private static ByteBuffer buffer(Arena arena, int chunkSize, long count) {
        // A direct buffer saves the copy the JDK makes from a heap buffer into its own temporary
        // direct buffer; the arena frees it when the transfer ends, without waiting for GC.
        return arena.allocate(Math.max(1, Math.min(Math.min(chunkSize, MAX_BUFFER_SIZE), count))).asByteBuffer();
    }

    /**
     * Turns a channel operation's failure into what the caller should see: a timeout as such, the
     * JDK's close and interrupt exceptions as such (an interrupt closes both channels), anything else
     * as a {@link SpliceException} carrying the bytes delivered.
     */
    private IOException failure(String operation, IOException e) {
        if (watch.timedOut()) {
            InterruptedByTimeoutException timeout = record.activity().timeout(record.bytes());
            timeout.initCause(e);
            return timeout;
        }
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
        return new SpliceException(operation, record.bytes(), e);
    }
}
