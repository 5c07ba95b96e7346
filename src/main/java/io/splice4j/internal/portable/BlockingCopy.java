package io.splice4j.internal.portable;

import io.splice4j.SpliceException;
import io.splice4j.SpliceException.Side;
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

    /** One side of a copy: a read or a write of a channel, at the transfer's current offset for a file. */
    private interface Io {
        int apply(ByteBuffer buffer) throws IOException;
    }

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
     * @param source a connected blocking socket channel
     * @param target a connected blocking socket channel
     * @param chunkSize the buffer size, capped at {@link #MAX_BUFFER_SIZE}
     * @param record the transfer's record
     * @return bytes delivered
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long sockets(SocketChannel source, SocketChannel target, int chunkSize, TransferRecord record)
            throws IOException {
        return copy(source, target, source, target, Long.MAX_VALUE, chunkSize, record, source::read, target::write);
    }

    /**
     * Writes from {@code source} into {@code target} at {@code position} until {@code count} bytes or
     * the source's end-of-stream; never reads more than {@code count}.
     *
     * @param source a connected blocking socket channel
     * @param target a file channel open for writing
     * @param position where in the file to write the first byte
     * @param count the most bytes
     * @param chunkSize the buffer size, capped at {@link #MAX_BUFFER_SIZE}
     * @param record the transfer's record
     * @return bytes written to the file
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long socketToFile(SocketChannel source, FileChannel target, long position, long count,
            int chunkSize, TransferRecord record) throws IOException {
        return copy(source, target, source, null, count, chunkSize, record, source::read,
                buffer -> target.write(buffer, position + record.bytes()));
    }

    /**
     * Sends up to {@code count} bytes of {@code source} from {@code position}, fewer if the file ends
     * first: with {@code transferTo} on a platform thread, by copying on a virtual thread.
     *
     * @param source a file channel open for reading
     * @param position where in the file to start
     * @param count the most bytes
     * @param target a connected blocking socket channel
     * @param chunkSize the most bytes per call, and the buffer size
     * @param record the transfer's record
     * @return bytes the socket accepted
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long fileToSocket(FileChannel source, long position, long count, SocketChannel target,
            int chunkSize, TransferRecord record) throws IOException {
        Io read = buffer -> source.read(buffer, position + record.bytes());
        if (Thread.currentThread().isVirtual()) {
            return copy(source, target, null, target, count, chunkSize, record, read, target::write);
        }
        ChannelGuard guard = new ChannelGuard(source, target);
        try (Arena arena = Arena.ofConfined();
                CloseWatcher.Watch watch = CloseWatcher.watch(null, source, target, record.activity())) {
            BlockingCopy copy = new BlockingCopy(guard, record, watch, buffer(arena, chunkSize, count));
            while (record.bytes() < count) {
                guard.check();
                // transferTo returns 0 at the end of the file, and also when the socket is in the
                // kernel's non-blocking mode (after a virtual thread or a zero-copy transfer used it)
                // and its buffer is full: it doesn't wait. A copied chunk, whose blocking write does
                // wait, tells the two apart without spinning.
                if (copy.transferTo(source, position, count, target, chunkSize) == 0
                        && copy.chunk(read, target::write, count) < 0) {
                    break;
                }
            }
            return record.bytes();
        }
    }

    /** The copy loop: chunks until {@code count} bytes or the end of the source. */
    private static long copy(java.nio.channels.Channel source, java.nio.channels.Channel target,
            SocketChannel readSocket, SocketChannel writeSocket, long count, int chunkSize, TransferRecord record,
            Io read, Io write) throws IOException {
        ChannelGuard guard = new ChannelGuard(source, target);
        // The watcher wakes a read blocked on a socket when the other channel is closed: the JDK
        // wakes it only for a close of that same channel.
        try (Arena arena = Arena.ofConfined();
                CloseWatcher.Watch watch = CloseWatcher.watch(readSocket, readSocket == source ? target : source,
                        writeSocket, record.activity())) {
            BlockingCopy copy = new BlockingCopy(guard, record, watch, buffer(arena, chunkSize, count));
            while (record.bytes() < count && copy.chunk(read, write, count) >= 0) {
                // Until count or end-of-stream.
            }
            return record.bytes();
        }
    }

    /**
     * Writes the caller's first bytes to {@code target} before the transfer proper, blocking until
     * all are written (a virtual thread parks), with the transfer's failure rules.
     *
     * @param source the transfer's source, for the close rules
     * @param target the socket to write
     * @param firstBytes the bytes, consumed
     * @param record counts them as delivered, without committing a path
     * @throws IOException as a transfer's write would
     */
    public static void writeFirst(SocketChannel source, SocketChannel target, ByteBuffer firstBytes,
            TransferRecord record) throws IOException {
        BlockingCopy copy = new BlockingCopy(new ChannelGuard(source, target), record, null, null);
        while (firstBytes.hasRemaining()) {
            try {
                record.deliveredFirst(target.write(firstBytes));
            } catch (IOException e) {
                throw copy.failure("write(target)", e, Side.TARGET);
            }
        }
    }

    private long transferTo(FileChannel source, long position, long count, SocketChannel target, int chunkSize)
            throws IOException {
        long delivered = record.bytes();
        long sent;
        try {
            sent = source.transferTo(position + delivered, Math.min(chunkSize, count - delivered), target);
        } catch (IOException e) {
            throw failure("transferTo(target)", e, null);
        }
        if (sent > 0) {
            record.delivered(TransferPath.PORTABLE, sent);
        }
        return sent;
    }

    /**
     * Reads one buffer (never past {@code count}) and writes all of it.
     *
     * @return the bytes read, or {@code -1} at the end of the source
     */
    private int chunk(Io read, Io write, long count) throws IOException {
        buffer.clear().limit((int) Math.min(buffer.capacity(), count - record.bytes()));
        int got;
        try {
            got = read.apply(buffer);
        } catch (IOException e) {
            throw failure("read(source)", e, Side.SOURCE);
        }
        // A file read returns 0 only at its end here: the buffer always has room.
        if (got <= 0) {
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
                written = write.apply(buffer);
            } catch (IOException e) {
                throw failure("write(target)", e, Side.TARGET);
            }
            record.delivered(TransferPath.PORTABLE, written);
        }
        return got;
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
     * as a {@link SpliceException} carrying the bytes delivered and the channel it happened on ({@code
     * side}: {@code null} where it can't be told, as in {@code transferTo}).
     */
    private IOException failure(String operation, IOException e, Side side) {
        if (watch != null && watch.timedOut()) {
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
        return new SpliceException(operation, record.bytes(), e, side);
    }
}
