package io.splice4j.internal.linux;

import io.splice4j.SpliceException;
import io.splice4j.SpliceException.Side;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.TransferRecord;
import io.splice4j.internal.Metrics;
import io.splice4j.TransferPath;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The kernel contract of one direction, written once: each method makes one step and returns the
 * bytes it moved or a named status, as the JDK's {@code IOStatus} does. The blocking loops and the
 * engine's state machine drive the same steps and differ only in what they do on {@link #NOT_READY}:
 * wait, or remember it until the next edge. See docs/design.md, "The drain/pump contract".
 *
 * <p>Invariants: the pipe is empty on entry to {@link #drain}; bytes in the pipe are not delivered,
 * and are lost (never counted) if a {@link #pump} fails. {@code EINTR} is retried here, so callers
 * never see it.
 */
final class Splicer {

    /** The source reached end-of-stream (or, for a file, its end). */
    static final long EOF = -1;
    /** The fd the step needs is not ready: the source has nothing, or the target's buffer is full. */
    static final long NOT_READY = -2;
    /** The first step found that this pair can't be spliced, and consumed nothing. */
    static final long NOT_SPLICEABLE = -3;
    /** Interrupted by a signal before it moved anything: make the call again. */
    private static final long RETRY = -4;

    final int sourceFd;
    final int targetFd;
    private final MemorySegment targetOffset;
    private final int drainFlags;
    private final int pumpFlags;
    private final ChannelGuard guard;
    private final TransferRecord record;
    Pipe pipe;
    /** The last {@link #copy} offered the target more than it took: its buffer is full now. */
    boolean targetFull;
    /** Bytes the target accepted: the only honest count. */
    private volatile long delivered;
    private boolean moved;

    /**
     * @param targetOffset where a file target is written (advanced by the kernel), or
     *     {@link MemorySegment#NULL} for a socket
     * @param guard explains a failing call by a close or interrupt, when one happened
     * @param record told of every block of bytes delivered
     */
    Splicer(int sourceFd, int targetFd, MemorySegment targetOffset, boolean move, boolean more, ChannelGuard guard,
            TransferRecord record) {
        this.sourceFd = sourceFd;
        this.targetFd = targetFd;
        this.targetOffset = targetOffset;
        int hints = move ? LibC.SPLICE_F_MOVE : 0;
        this.drainFlags = LibC.SPLICE_F_NONBLOCK | hints;
        this.pumpFlags = LibC.SPLICE_F_NONBLOCK | hints | (more ? LibC.SPLICE_F_MORE : 0);
        this.guard = guard;
        this.record = record;
    }

    long delivered() {
        return delivered;
    }

    /** Whether the pipe holds bytes not yet delivered. */
    boolean pending() {
        return pipe != null && pipe.buffered > 0;
    }

    /**
     * Drain: source → pipe, up to {@code max} bytes. The pipe is empty on entry, so {@code EAGAIN}
     * can only mean the source has nothing to read yet; {@code 0} is its end-of-stream.
     * {@code EINVAL} before any byte moved means the pair can't be spliced (kTLS, some socket
     * families) and nothing was consumed, so the caller may still copy.
     */
    long drain(long max) throws IOException {
        for (;;) {
            long n = LibC.splice(sourceFd, MemorySegment.NULL, pipe.writeFd, MemorySegment.NULL,
                    Math.min(max, pipe.capacity), drainFlags);
            Metrics.spliceCall();
            if (n > 0) {
                pipe.buffered = n;
                moved = true;
                return n;
            }
            long status = n == 0 ? EOF
                    : meaning(LibC.errno(), () -> "splice(fd " + sourceFd + " -> pipe)", Side.SOURCE);
            if (status != RETRY) {
                return status;
            }
        }
    }

    /**
     * Pump: pipe → target, one call (short writes are normal: call again while {@link #pending()}).
     * {@code EAGAIN} means the target's buffer is full. A failure loses the bytes in the pipe: they
     * are not counted, and the caller must not pool the pipe.
     */
    long pump() throws IOException {
        for (;;) {
            long n = LibC.splice(pipe.readFd, MemorySegment.NULL, targetFd, targetOffset, pipe.buffered, pumpFlags);
            Metrics.spliceCall();
            if (n > 0) {
                pipe.buffered -= n;
                count(n);
                return n;
            }
            if (n == 0) {
                guard.check();
                throw new SpliceException("splice(pipe -> fd " + targetFd + ")",
                        "no progress with " + pipe.buffered + " bytes in the pipe", delivered, Side.TARGET);
            }
            long status = meaning(LibC.errno(), () -> "splice(pipe -> fd " + targetFd + ")", Side.TARGET);
            if (status != RETRY) {
                return status;
            }
        }
    }

    /**
     * Copy, for a socket → socket flow with no pipe: the source's bytes are peeked into
     * {@code buffer}, written to the target, and only what the target took is then taken from the
     * source. No byte is held between calls, so a target that stops reading costs no memory however
     * many flows copy: the source's own queue keeps the rest, and back-pressure works as with a pipe.
     * {@code EAGAIN} from the peek means the source has nothing ({@link #NOT_READY}), from the write
     * that the target's buffer is full ({@link #targetFull}, {@code 0} moved). The source is read by
     * this flow only, so the bytes taken are the bytes peeked.
     *
     * @return bytes delivered (possibly {@code 0}, with {@link #targetFull} set), {@link #EOF} or
     *     {@link #NOT_READY}
     */
    long copy(MemorySegment buffer, long max) throws IOException {
        long peeked;
        do {
            peeked = LibC.recv(sourceFd, buffer, Math.min(max, buffer.byteSize()), LibC.MSG_PEEK | LibC.MSG_DONTWAIT);
        } while (peeked < 0 && LibC.errno() == Errno.EINTR);
        if (peeked <= 0) {
            return peeked == 0 ? EOF : refusal(LibC.errno(), "recv(fd " + sourceFd + ")", Side.SOURCE);
        }
        long written;
        do {
            written = LibC.write(targetFd, buffer, peeked);
        } while (written < 0 && LibC.errno() == Errno.EINTR);
        if (written < 0) {
            targetFull = refusal(LibC.errno(), "write(fd " + targetFd + ")", Side.TARGET) == NOT_READY;
            return 0;
        }
        targetFull = written < peeked;
        long taken;
        do {
            taken = LibC.recv(sourceFd, buffer, written, LibC.MSG_DONTWAIT);
        } while (taken < 0 && LibC.errno() == Errno.EINTR);
        if (taken != written) {
            // Only this flow reads the source: bytes peeked stay queued until taken.
            throw taken < 0 ? failure("recv(fd " + sourceFd + ")", LibC.errno(), Side.SOURCE)
                    : new SpliceException("recv(fd " + sourceFd + ")", "took " + taken + " of " + written
                            + " bytes written", delivered, Side.SOURCE);
        }
        delivered += written;
        record.delivered(TransferPath.PORTABLE, written);
        return written;
    }

    /** {@code EAGAIN} is {@link #NOT_READY}; any other errno of a copy's call fails it. */
    private long refusal(int errno, String operation, Side side) throws IOException {
        if (errno == Errno.EAGAIN) {
            return NOT_READY;
        }
        throw failure(operation, errno, side);
    }

    /**
     * File → socket in one step with {@code sendfile(2)} from the offset, which the kernel advances
     * by exactly what the socket accepted: nothing is in flight between calls, so no pipe is needed.
     * {@code EAGAIN} means the socket's buffer is full (a file read never says it); {@code 0} means
     * the offset is at or past the end of the file. {@code EINVAL} first means the file can't be
     * read this way.
     */
    long sendfile(MemorySegment sourceOffset, long max) throws IOException {
        for (;;) {
            long n = LibC.sendfile(targetFd, sourceFd, sourceOffset, max);
            Metrics.spliceCall();
            if (n > 0) {
                moved = true;
                count(n);
                return n;
            }
            long status = n == 0 ? EOF
                    : meaning(LibC.errno(), () -> "sendfile(fd " + sourceFd + " -> fd " + targetFd + ")", null);
            if (status != RETRY) {
                return status;
            }
        }
    }

    /**
     * Asks whether the file target takes splices before a byte leaves the source: a splice from the
     * still empty, non-blocking pipe passes every check on the file and then says {@code EAGAIN};
     * {@code EINVAL} means it never will (opened with {@code APPEND}, or a file system without
     * splice support).
     *
     * @return {@link #NOT_SPLICEABLE}, or {@code 0} if the file takes splices
     */
    long probeTarget() throws IOException {
        long n = LibC.splice(pipe.readFd, MemorySegment.NULL, targetFd, targetOffset, 1, LibC.SPLICE_F_NONBLOCK);
        Metrics.spliceCall();
        int errno = n < 0 ? LibC.errno() : Errno.EAGAIN;
        if (errno == Errno.EINVAL) {
            return NOT_SPLICEABLE;
        }
        if (errno != Errno.EAGAIN) {
            throw failure("splice(pipe -> fd " + targetFd + ")", errno, Side.TARGET);
        }
        return 0;
    }

    /**
     * The errno rules, once: {@code EAGAIN} is not ready; {@code EINVAL} before any byte moved means
     * the pair can't be spliced and nothing was consumed; {@code EINTR} retries; anything else fails.
     * A pump always follows a drain that moved bytes, so its {@code EINVAL} is a failure.
     *
     * @param side the channel the call was on, for a relay to tell which connection broke; {@code null}
     *     where the call can fail on either (sendfile)
     */
    private long meaning(int errno, java.util.function.Supplier<String> operation, Side side) throws IOException {
        if (errno == Errno.EAGAIN) {
            return NOT_READY;
        }
        if (errno == Errno.EINVAL && !moved) {
            return NOT_SPLICEABLE;
        }
        if (errno == Errno.EINTR) {
            return RETRY;
        }
        throw failure(operation.get(), errno, side);
    }

    private void count(long n) {
        delivered += n;
        record.delivered(TransferPath.ZERO_COPY, n);
    }

    /** A close or interrupt from another thread explains an error better than the errno it caused. */
    private IOException failure(String operation, int errno, Side side) throws IOException {
        guard.check();
        return new SpliceException(operation, Errno.name(errno), delivered, side);
    }
}
