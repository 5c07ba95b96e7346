package io.splice4j.internal;

import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import io.splice4j.ZeroCopyUnavailableException;
import io.splice4j.internal.linux.BlockingSplice;
import io.splice4j.internal.linux.EngineCore;
import io.splice4j.internal.linux.NotSpliceableException;
import io.splice4j.internal.linux.SharedEngine;
import io.splice4j.internal.portable.BlockingCopy;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * The blocking transfers behind {@link io.splice4j.Splice}: each tries its zero-copy form, applies
 * the {@link FallbackRule} when that can't run, and records its life once in a {@link TransferRecord}.
 * Waits park on the shared engine's loops where it runs (docs/design.md, "Threading").
 */
public final class Transfers {

    private Transfers() {
    }

    /** A zero-copy attempt, which may refuse before reading anything. */
    private interface ZeroCopy {
        long run() throws IOException, NotSpliceableException;
    }

    /** The portable form. */
    private interface Copy {
        long run() throws IOException;
    }

    /**
     * Socket → socket until the source's end-of-stream, after the options' first bytes a → b.
     *
     * @param source the socket to read, validated by the caller
     * @param target the socket to write
     * @param options chunk size, mode, hints, idle timeout
     * @param record the transfer's record (a relay reads it live)
     * @return bytes, path and fallback reason
     * @throws IOException as {@link io.splice4j.Splice#splice}
     */
    public static SpliceResult sockets(SocketChannel source, SocketChannel target, SpliceOptions options,
            TransferRecord record) throws IOException {
        return sockets(source, target, options, options.firstBytesAtoB(), record);
    }

    /**
     * Socket → socket until the source's end-of-stream, after {@code firstBytes}.
     *
     * @param source the socket to read, validated by the caller
     * @param target the socket to write
     * @param options chunk size, mode, hints, idle timeout
     * @param firstBytes sent to the target before any byte read from the source
     * @param record the transfer's record (a relay reads it live)
     * @return bytes, path and fallback reason
     * @throws IOException as {@link io.splice4j.Splice#splice}
     */
    public static SpliceResult sockets(SocketChannel source, SocketChannel target, SpliceOptions options,
            java.nio.ByteBuffer firstBytes, TransferRecord record) throws IOException {
        record.between(source, target);
        if (firstBytes.hasRemaining()) {
            try {
                BlockingCopy.writeFirst(source, target, firstBytes, record);
            } catch (IOException | RuntimeException | Error e) {
                record.failed();
                throw e;
            }
        }
        return run(options.mode(), record,
                () -> BlockingSplice.sockets(source, target, options, record, engineForWaits()),
                () -> BlockingCopy.sockets(source, target, options.chunkSize(), record));
    }

    /**
     * File → socket.
     *
     * @param source the file, validated by the caller
     * @param position where in the file to start
     * @param count the most bytes to send
     * @param target the socket
     * @param options chunk size, mode, idle timeout
     * @return bytes, path and fallback reason
     * @throws IOException as {@link io.splice4j.Splice#transferWithResult(FileChannel, long, long, SocketChannel, SpliceOptions)}
     */
    public static SpliceResult fileToSocket(FileChannel source, long position, long count, SocketChannel target,
            SpliceOptions options) throws IOException {
        TransferRecord record = newRecord(options);
        record.between(source, target);
        return run(options.mode(), record,
                () -> BlockingSplice.fileToSocket(source, position, count, target, options, record,
                        engineForWaits()),
                () -> BlockingCopy.fileToSocket(source, position, count, target, options.chunkSize(), record));
    }

    /**
     * Socket → file.
     *
     * @param source the socket, validated by the caller
     * @param target the file
     * @param position where in the file to write the first byte
     * @param count the most bytes to move
     * @param options chunk size, mode, hints, idle timeout
     * @return bytes, path and fallback reason
     * @throws IOException as {@link io.splice4j.Splice#transferWithResult(SocketChannel, FileChannel, long, long, SpliceOptions)}
     */
    public static SpliceResult socketToFile(SocketChannel source, FileChannel target, long position, long count,
            SpliceOptions options) throws IOException {
        TransferRecord record = newRecord(options);
        record.between(source, target);
        return run(options.mode(), record,
                () -> BlockingSplice.socketToFile(source, target, position, count, options, record,
                        engineForWaits()),
                () -> BlockingCopy.socketToFile(source, target, position, count, options.chunkSize(), record));
    }

    /**
     * Returns a record for a new transfer with these options.
     *
     * @param options the options
     * @return a record planning the path the mode asks for
     */
    public static TransferRecord newRecord(SpliceOptions options) {
        return newRecord(options, Activity.of(options.idleTimeout().orElse(null)));
    }

    /**
     * Returns a record for a new transfer with these options and a shared idle clock.
     *
     * @param options the options
     * @param activity the clock, shared by a relay's directions
     * @return a record planning the path the mode asks for
     */
    public static TransferRecord newRecord(SpliceOptions options, Activity activity) {
        return new TransferRecord(options.mode() == SpliceMode.PORTABLE ? TransferPath.PORTABLE : TransferPath.ZERO_COPY,
                activity);
    }

    /**
     * Where a blocking transfer's waits park: a virtual thread needs the shared engine from the
     * start (without one it copies rather than pin its carrier); a platform thread gets it at its
     * first park, so a transfer that never waits long starts no loop thread.
     */
    private static EngineCore engineForWaits() {
        return Thread.currentThread().isVirtual() ? SharedEngine.coreOrNull() : null;
    }

    private static SpliceResult run(SpliceMode mode, TransferRecord record, ZeroCopy zeroCopy, Copy copy)
            throws IOException {
        try {
            if (mode != SpliceMode.PORTABLE) {
                try {
                    zeroCopy.run();
                    record.finished();
                    return record.result();
                } catch (NotSpliceableException e) {
                    e.copyOrFail(mode, record);
                }
            }
            copy.run();
            record.finished();
            return record.result();
        } catch (ZeroCopyUnavailableException e) {
            // Refused before anything was read: no transfer took place.
            throw e;
        } catch (IOException | RuntimeException | Error e) {
            record.failed();
            throw e;
        }
    }
}
