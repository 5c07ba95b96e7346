package io.splice4j;

import io.splice4j.internal.Metrics;
import io.splice4j.internal.linux.FileToSocketLoop;
import io.splice4j.internal.linux.NotSpliceableException;
import io.splice4j.internal.linux.SocketToFileLoop;
import io.splice4j.internal.portable.FileCopy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Optional;

/**
 * The file ↔ socket transfers behind {@link Splice#transferWithResult}: checks the arguments as the
 * JDK's {@code transferTo}/{@code transferFrom} do, tries the zero-copy loop, and falls back to the
 * portable one when it can't run, saying why.
 */
final class FileTransfers {

    private FileTransfers() {
    }

    /** File → socket. */
    static SpliceResult send(FileChannel source, long position, long count, SocketChannel target, SpliceOptions options)
            throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        checkRange(position, count);
        if (!source.isOpen()) {
            throw new ClosedChannelException();
        }
        Splice.checkUsable(target);
        // A read of nothing checks read access (NonReadableChannelException) without any I/O.
        source.read(ByteBuffer.allocate(0), position);
        FallbackReason fallback = null;
        if (options.mode() != SpliceMode.PORTABLE) {
            try {
                long bytes = FileToSocketLoop.transfer(source, position, count, target, options.chunkSize());
                return new SpliceResult(bytes, TransferPath.ZERO_COPY, Optional.empty());
            } catch (NotSpliceableException e) {
                fallback = fallBack(options, e);
            }
        }
        long bytes = FileCopy.send(source, position, count, target, options.chunkSize());
        return new SpliceResult(bytes, TransferPath.PORTABLE, Optional.ofNullable(fallback));
    }

    /** Socket → file. */
    static SpliceResult receive(SocketChannel source, FileChannel target, long position, long count,
            SpliceOptions options) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        checkRange(position, count);
        Splice.checkUsable(source);
        if (!target.isOpen()) {
            throw new ClosedChannelException();
        }
        // A write of nothing checks write access (NonWritableChannelException) without any I/O.
        target.write(ByteBuffer.allocate(0), position);
        FallbackReason fallback = null;
        if (options.mode() != SpliceMode.PORTABLE) {
            try {
                long bytes = SocketToFileLoop.transfer(source, target, position, count, options.chunkSize(),
                        options.moveHint());
                return new SpliceResult(bytes, TransferPath.ZERO_COPY, Optional.empty());
            } catch (NotSpliceableException e) {
                fallback = fallBack(options, e);
            }
        }
        long bytes = FileCopy.receive(source, target, position, count, options.chunkSize());
        return new SpliceResult(bytes, TransferPath.PORTABLE, Optional.ofNullable(fallback));
    }

    private static void checkRange(long position, long count) {
        if (position < 0) {
            throw new IllegalArgumentException("position must not be negative: " + position);
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
    }

    /** In {@link SpliceMode#ZERO_COPY} a transfer that can't splice fails; in AUTO it copies, counted. */
    private static FallbackReason fallBack(SpliceOptions options, NotSpliceableException e)
            throws ZeroCopyUnavailableException {
        if (options.mode() == SpliceMode.ZERO_COPY) {
            throw new ZeroCopyUnavailableException(e.reason(), "zero-copy unavailable: " + e.getMessage());
        }
        Metrics.fallback(e.reason());
        return e.reason();
    }
}
