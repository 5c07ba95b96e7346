package io.splice4j.internal.linux;

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
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;

/**
 * One direction of zero-copy transfer: source socket → pipe → target socket with non-blocking
 * {@code splice(2)}, parked on an engine's event loop while a socket isn't ready (or, without an
 * engine, on a platform thread in {@code poll(2)} slices).
 *
 * <p>The loop owns duplicates of both sockets' fds and its pipe, all closed by its arena on every
 * exit path. Waits are cut into short slices so that an interrupt or a close of either channel from
 * another thread ends the loop within one slice: neither wakes a thread in {@code poll}.
 */
public final class ZeroCopyLoop {

    /** Poll slices (20 ms each) a platform thread waits before it parks: busy sockets stay fast. */
    static final int POLL_SLICES_BEFORE_PARKING = 5;

    private final ChannelGuard guard;
    private final int sourceFd;
    private final int targetFd;
    private final Pipe pipe;
    private final Readiness readiness;
    private final int chunk;
    private final int drainFlags;
    private final int pumpFlags;
    private final LongConsumer progress;
    private final LoopWaiter waiter;
    private long delivered;

    private ZeroCopyLoop(ChannelGuard guard, int sourceFd, int targetFd, Pipe pipe, Readiness readiness,
            int chunkSize, boolean move, boolean more, LongConsumer progress, LoopWaiter waiter) {
        this.guard = guard;
        this.waiter = waiter;
        this.sourceFd = sourceFd;
        this.targetFd = targetFd;
        this.pipe = pipe;
        this.readiness = readiness;
        this.chunk = Math.min(chunkSize, pipe.capacity);
        int hints = move ? LibC.SPLICE_F_MOVE : 0;
        this.drainFlags = LibC.SPLICE_F_NONBLOCK | hints;
        this.pumpFlags = LibC.SPLICE_F_NONBLOCK | hints | (more ? LibC.SPLICE_F_MORE : 0);
        this.progress = progress;
    }

    /**
     * Splices from {@code source} to {@code target} until the source's end-of-stream.
     *
     * @param source a connected JDK socket channel in blocking mode
     * @param target a connected JDK socket channel in blocking mode
     * @param chunkSize the most bytes per call, and the pipe capacity asked for
     * @param move whether to pass {@code SPLICE_F_MOVE}
     * @param more whether to pass {@code SPLICE_F_MORE} when writing to the target
     * @param progress told of every block of bytes the target accepted
     * @param engine where the thread parks while it waits for readiness (a virtual thread without
     *     pinning its carrier, an idle platform thread without waking up), or {@code null} to wait in
     *     {@code poll(2)} slices (then virtual threads can't splice)
     * @return bytes delivered to the target
     * @throws NotSpliceableException if this pair can't splice; nothing was read from the source
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long transfer(SocketChannel source, SocketChannel target, int chunkSize, boolean move, boolean more,
            LongConsumer progress, EngineCore engine) throws IOException, NotSpliceableException {
        FdAccess access = checkPossible(source, target, engine);
        ChannelGuard guard = new ChannelGuard(source, target);
        guard.check();
        try (Arena arena = Arena.ofConfined()) {
            int sourceFd = access.own(source, arena);
            int targetFd = target == source ? sourceFd : access.own(target, arena);
            Fds.setNonBlocking(sourceFd);
            Fds.setNonBlocking(targetFd);
            Pipe pipe = Pipe.open(arena, chunkSize);
            Readiness readiness = new Readiness(guard, arena);
            // Closed before the arena closes the fds it has registered.
            try (LoopWaiter waiter = engine != null ? new LoopWaiter(engine.nextLoop(), arena, source, target) : null) {
                return new ZeroCopyLoop(guard, sourceFd, targetFd, pipe, readiness, chunkSize, move, more, progress,
                        waiter).run();
            }
        }
    }

    private static FdAccess checkPossible(SocketChannel source, SocketChannel target, EngineCore engine)
            throws NotSpliceableException {
        ZeroCopySupport support = ZeroCopySupport.status();
        if (!support.available()) {
            throw new NotSpliceableException(support.unavailableReason().orElseThrow(), support.message().orElseThrow());
        }
        if (Thread.currentThread().isVirtual() && engine == null) {
            throw new NotSpliceableException(FallbackReason.VIRTUAL_THREAD,
                    "called from a virtual thread, which must not wait in a blocking native call, and no engine"
                            + " is available to wait for it");
        }
        if (!FdAccess.isJdkSocketChannel(source) || !FdAccess.isJdkSocketChannel(target)) {
            throw new NotSpliceableException(FallbackReason.UNSUPPORTED_CHANNEL,
                    "a channel is not the JDK's own socket channel: " + source.getClass().getName() + ", "
                            + target.getClass().getName());
        }
        return support.fdAccess().orElseThrow();
    }

    private long run() throws IOException, NotSpliceableException {
        // The transfer counts as started once the first drain has shown the pair can splice.
        boolean first = true;
        try {
            for (;;) {
                guard.check();
                long drained = drain(first);
                if (first) {
                    first = false;
                    Metrics.started(TransferPath.ZERO_COPY);
                }
                if (drained == 0) {
                    Metrics.finished(TransferPath.ZERO_COPY);
                    return delivered;
                }
                pump();
            }
        } catch (IOException | RuntimeException | Error e) {
            if (!first) {
                Metrics.failed(TransferPath.ZERO_COPY);
            }
            throw e;
        }
    }

    /**
     * Drain: source → pipe, up to one chunk. The pipe is empty on entry, so {@code EAGAIN} can only
     * mean the socket has nothing to read yet; {@code 0} is the source's end-of-stream.
     */
    private long drain(boolean first) throws IOException, NotSpliceableException {
        for (;;) {
            long moved = LibC.splice(sourceFd, MemorySegment.NULL, pipe.writeFd, MemorySegment.NULL, chunk, drainFlags);
            Metrics.spliceCall();
            if (moved >= 0) {
                pipe.buffered = moved;
                return moved;
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                await(sourceFd, LibC.POLLIN);
            } else if (errno == Errno.EINVAL && first) {
                // Go and HAProxy read it the same way: this pair of fds can't be spliced (kTLS,
                // some socket families) and nothing was consumed, so copying is still possible.
                throw new NotSpliceableException(FallbackReason.EINVAL, "splice(fd " + sourceFd + " -> pipe): EINVAL");
            } else if (errno != Errno.EINTR) {
                throw failure("splice(fd " + sourceFd + " -> pipe)", errno);
            }
        }
    }

    /**
     * Pump: pipe → target until the pipe is empty, however many calls that takes (short writes are
     * normal). {@code EAGAIN} means the target's send buffer is full. If a call fails, the bytes
     * still in the pipe are lost and are not counted as delivered.
     */
    private void pump() throws IOException {
        while (pipe.buffered > 0) {
            long moved = LibC.splice(pipe.readFd, MemorySegment.NULL, targetFd, MemorySegment.NULL, pipe.buffered,
                    pumpFlags);
            Metrics.spliceCall();
            if (moved > 0) {
                pipe.buffered -= moved;
                delivered += moved;
                Metrics.delivered(TransferPath.ZERO_COPY, moved);
                progress.accept(moved);
                continue;
            }
            if (moved == 0) {
                guard.check();
                throw new SpliceException("splice(pipe -> fd " + targetFd + ")",
                        "no progress with " + pipe.buffered + " bytes in the pipe", delivered);
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                await(targetFd, LibC.POLLOUT);
            } else if (errno != Errno.EINTR) {
                throw failure("splice(pipe -> fd " + targetFd + ")", errno);
            }
        }
    }

    /**
     * Waits until {@code fd} is ready for {@code events} (or has an error or hang-up to report). A
     * platform thread first waits in {@code poll(2)}, which wakes it with the least latency while
     * bytes keep coming; a socket idle for {@value #POLL_SLICES_BEFORE_PARKING} slices (and any wait
     * on a virtual thread, which must not sit in a native call) parks on the engine's loop instead,
     * where an idle transfer costs nothing. Wake-ups from the loop may be spurious: the caller
     * retries its splice either way.
     */
    private void await(int fd, short events) throws IOException {
        if (waiter == null) {
            readiness.await(fd, events, delivered);
            return;
        }
        Metrics.readinessWait();
        if (!Thread.currentThread().isVirtual()
                && readiness.awaitFor(fd, events, delivered, POLL_SLICES_BEFORE_PARKING)) {
            return;
        }
        guard.check();
        waiter.await(fd, events);
        guard.check();
    }

    /** A close or interrupt from another thread explains an error better than the errno it caused. */
    private IOException failure(String operation, int errno) throws IOException {
        guard.check();
        return new SpliceException(operation, Errno.name(errno), delivered);
    }
}
