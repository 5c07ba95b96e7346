package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceException;
import io.splice4j.TransferPath;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.Metrics;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * Zero-copy socket → file on a platform thread: the socket is drained into a pipe with
 * non-blocking {@code splice(2)}, and the pipe is pumped into the file at an explicit 64-bit offset
 * ({@code off_out}), which the kernel advances; the file's own position is never used or moved.
 * The JDK's {@code transferFrom} does this through an 8 KiB heap buffer.
 *
 * <p>The loop owns duplicates of both fds and its pipe, all closed by its arena on every exit path.
 */
public final class SocketToFileLoop {

    private final ChannelGuard guard;
    private final Readiness readiness;
    private final int socketFd;
    private final int fileFd;
    private final Pipe pipe;
    private final MemorySegment offset;
    private final long count;
    private final int chunk;
    private final int flags;
    private long delivered;

    private SocketToFileLoop(ChannelGuard guard, Readiness readiness, int socketFd, int fileFd, Pipe pipe,
            MemorySegment offset, long count, int chunkSize, boolean move) {
        this.guard = guard;
        this.readiness = readiness;
        this.socketFd = socketFd;
        this.fileFd = fileFd;
        this.pipe = pipe;
        this.offset = offset;
        this.count = count;
        this.chunk = Math.min(chunkSize, pipe.capacity);
        this.flags = LibC.SPLICE_F_NONBLOCK | (move ? LibC.SPLICE_F_MOVE : 0);
    }

    /**
     * Moves bytes from {@code source} into {@code target} at {@code position} until {@code count}
     * bytes are written or the source reaches end-of-stream. Never reads more than {@code count}
     * bytes from the socket.
     *
     * @param source a connected JDK socket channel in blocking mode
     * @param target a JDK file channel open for writing
     * @param position where in the file to write the first byte; not negative
     * @param count the most bytes to move; not negative
     * @param chunkSize the most bytes per call, and the pipe capacity asked for
     * @param move whether to pass {@code SPLICE_F_MOVE}
     * @return bytes written to the file
     * @throws NotSpliceableException if this pair can't be spliced; nothing was read
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long transfer(SocketChannel source, FileChannel target, long position, long count, int chunkSize,
            boolean move) throws IOException, NotSpliceableException {
        FileFdAccess files = FileFdAccess.checkPossible(target, source);
        ChannelGuard guard = new ChannelGuard(source, target);
        guard.check();
        try (Arena arena = Arena.ofConfined()) {
            int socketFd = ZeroCopySupport.status().fdAccess().orElseThrow().own(source, arena);
            int fileFd = files.own(target, true, arena);
            Pipe pipe = Pipe.open(arena, chunkSize);
            MemorySegment offset = arena.allocate(JAVA_LONG);
            offset.set(JAVA_LONG, 0, position);
            probe(pipe, fileFd, offset);
            Fds.setNonBlocking(socketFd);
            return new SocketToFileLoop(guard, new Readiness(guard, arena), socketFd, fileFd, pipe, offset, count,
                    chunkSize, move).run();
        }
    }

    /**
     * Asks the kernel whether the file takes splices before a byte leaves the socket: a splice from
     * the still empty, non-blocking pipe passes every check on the file and then says {@code EAGAIN}.
     * {@code EINVAL} means it never will: the file was opened with {@code APPEND}, or its file system
     * has no splice support.
     */
    private static void probe(Pipe pipe, int fileFd, MemorySegment offset) throws IOException, NotSpliceableException {
        long moved = LibC.splice(pipe.readFd, MemorySegment.NULL, fileFd, offset, 1, LibC.SPLICE_F_NONBLOCK);
        Metrics.spliceCall();
        int errno = moved < 0 ? LibC.errno() : Errno.EAGAIN;
        if (errno == Errno.EINVAL) {
            throw new NotSpliceableException(FallbackReason.EINVAL, "splice(pipe -> fd " + fileFd
                    + "): EINVAL (the file was opened with APPEND, or its file system can't splice)");
        }
        if (errno != Errno.EAGAIN) {
            throw new SpliceException("splice(pipe -> fd " + fileFd + ")", Errno.name(errno), 0);
        }
    }

    private long run() throws IOException, NotSpliceableException {
        // As for sockets, the transfer counts as started once the first drain has shown the pair works.
        boolean first = true;
        try {
            while (delivered < count) {
                guard.check();
                long drained = drain(first);
                if (first) {
                    first = false;
                    Metrics.started(TransferPath.ZERO_COPY);
                }
                if (drained == 0) {
                    break;
                }
                pump();
            }
            if (first) {
                Metrics.started(TransferPath.ZERO_COPY);
            }
            Metrics.finished(TransferPath.ZERO_COPY);
            return delivered;
        } catch (IOException | RuntimeException | Error e) {
            if (!first) {
                Metrics.failed(TransferPath.ZERO_COPY);
            }
            throw e;
        }
    }

    /**
     * Drain: socket → pipe, up to one chunk and never past {@code count}. The pipe is empty on entry,
     * so {@code EAGAIN} can only mean the socket has nothing to read yet; {@code 0} is its
     * end-of-stream.
     */
    private long drain(boolean first) throws IOException, NotSpliceableException {
        for (;;) {
            long moved = LibC.splice(socketFd, MemorySegment.NULL, pipe.writeFd, MemorySegment.NULL,
                    Math.min(chunk, count - delivered), flags);
            Metrics.spliceCall();
            if (moved >= 0) {
                pipe.buffered = moved;
                return moved;
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                readiness.await(socketFd, LibC.POLLIN, delivered);
            } else if (errno == Errno.EINVAL && first) {
                // As between sockets: this socket can't be spliced from (kTLS, some families) and
                // nothing was consumed.
                throw new NotSpliceableException(FallbackReason.EINVAL, "splice(fd " + socketFd + " -> pipe): EINVAL");
            } else if (errno != Errno.EINTR) {
                throw failure("splice(fd " + socketFd + " -> pipe)", errno);
            }
        }
    }

    /**
     * Pump: pipe → file at the offset until the pipe is empty. A file write blocks rather than
     * saying {@code EAGAIN} (a FIFO opened as a file can, so it is waited for); a short write
     * (a full disk, the file size limit) is followed by a call that names the error. Bytes still
     * in the pipe when a call fails were read from the socket but are lost and not counted.
     */
    private void pump() throws IOException {
        while (pipe.buffered > 0) {
            long moved = LibC.splice(pipe.readFd, MemorySegment.NULL, fileFd, offset, pipe.buffered, flags);
            Metrics.spliceCall();
            if (moved > 0) {
                pipe.buffered -= moved;
                delivered += moved;
                Metrics.delivered(TransferPath.ZERO_COPY, moved);
                continue;
            }
            if (moved == 0) {
                guard.check();
                throw new SpliceException("splice(pipe -> fd " + fileFd + ")",
                        "no progress with " + pipe.buffered + " bytes in the pipe", delivered);
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                readiness.await(fileFd, LibC.POLLOUT, delivered);
            } else if (errno != Errno.EINTR) {
                throw failure("splice(pipe -> fd " + fileFd + ")", errno);
            }
        }
    }

    /** A close or interrupt from another thread explains an error better than the errno it caused. */
    private IOException failure(String operation, int errno) throws IOException {
        guard.check();
        return new SpliceException(operation, Errno.name(errno), delivered);
    }
}
