package io.splice4j.bench;

import io.splice4j.Splice;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * The rows of the file table, in table order; the first, the JDK's own transfer, is the baseline.
 * Every method moves exactly {@code count} bytes between position 0 of the file and the socket, on
 * the calling thread, and fails if it can't.
 */
public enum FileContender {

    JDK("FileChannel.transferTo", "FileChannel.transferFrom") {
        @Override
        long send(FileChannel file, long count, SocketChannel socket, ByteBuffer buffer) throws IOException {
            return untilMoved(count, "transferTo", position -> file.transferTo(position, count - position, socket));
        }

        @Override
        long receive(SocketChannel socket, FileChannel file, long count, ByteBuffer buffer) throws IOException {
            return untilMoved(count, "transferFrom", position -> file.transferFrom(socket, position, count - position));
        }
    },
    DIRECT_LOOP_64K("read/write loop, 64 KiB direct buffer", "read/write loop, 64 KiB direct buffer") {
        @Override
        long send(FileChannel file, long count, SocketChannel socket, ByteBuffer buffer) throws IOException {
            long position = 0;
            while (position < count) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), count - position));
                int n = file.read(buffer, position);
                if (n < 0) {
                    throw new IllegalStateException("the file ended at " + position + " of " + count);
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    socket.write(buffer);
                }
                position += n;
            }
            return position;
        }

        @Override
        long receive(SocketChannel socket, FileChannel file, long count, ByteBuffer buffer) throws IOException {
            long position = 0;
            while (position < count) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), count - position));
                if (socket.read(buffer) < 0) {
                    throw new IllegalStateException("end-of-stream at " + position + " of " + count);
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    position += file.write(buffer, position);
                }
            }
            return position;
        }
    },
    SPLICE4J_PORTABLE(TransferPath.PORTABLE, "splice4j PORTABLE (transferTo)",
            "splice4j PORTABLE (1 MiB direct buffer)"),
    SPLICE4J_ZERO_COPY(TransferPath.ZERO_COPY, "splice4j ZERO_COPY (sendfile)",
            "splice4j ZERO_COPY (splice through a 1 MiB pipe)");

    private final String sendLabel;
    private final String receiveLabel;
    /** The path splice4j's rows must take; null for the others, which move the bytes themselves. */
    private final TransferPath path;

    FileContender(String sendLabel, String receiveLabel) {
        this(null, sendLabel, receiveLabel);
    }

    FileContender(TransferPath path, String sendLabel, String receiveLabel) {
        this.path = path;
        this.sendLabel = sendLabel;
        this.receiveLabel = receiveLabel;
    }

    /** What the results table calls this row in {@code direction}. */
    public String label(FileDirection direction) {
        return direction == FileDirection.FILE_TO_SOCKET ? sendLabel : receiveLabel;
    }

    /** File → socket: {@code Splice.transferWithResult} unless the row moves the bytes itself. */
    long send(FileChannel file, long count, SocketChannel socket, ByteBuffer buffer) throws IOException {
        return check(Splice.transferWithResult(file, 0, count, socket, options()));
    }

    /** Socket → file: {@code Splice.transferWithResult} unless the row moves the bytes itself. */
    long receive(SocketChannel socket, FileChannel file, long count, ByteBuffer buffer) throws IOException {
        return check(Splice.transferWithResult(socket, file, 0, count, options()));
    }

    /** One call of a JDK transfer from {@code position} on; returns the bytes it moved. */
    @FunctionalInterface
    private interface Step {
        long move(long position) throws IOException;
    }

    /** Repeats {@code step} until {@code count} bytes have moved; a step that moves none fails. */
    private static long untilMoved(long count, String what, Step step) throws IOException {
        long position = 0;
        while (position < count) {
            long n = step.move(position);
            if (n <= 0) {
                throw new IllegalStateException(what + " moved nothing at " + position + " of " + count);
            }
            position += n;
        }
        return position;
    }

    /** The defaults (1 MiB chunks) in the mode of the row's path: ZERO_COPY fails rather than copy under its label. */
    private SpliceOptions options() {
        SpliceMode mode = path == TransferPath.PORTABLE ? SpliceMode.PORTABLE : SpliceMode.ZERO_COPY;
        return SpliceOptions.defaults().withMode(mode);
    }

    private long check(SpliceResult result) {
        if (result.path() != path) {
            throw new IllegalStateException("the transfer took " + result + ", not " + path);
        }
        return result.bytes();
    }
}
