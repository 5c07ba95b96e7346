package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceException;
import io.splice4j.SpliceOptions;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.TransferRecord;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * Zero-copy transfers on the caller's thread, the counterpart of {@link EngineFlow} on an engine:
 * socket → socket and socket → file through a pipe, file → socket with {@code sendfile(2)}. They
 * drive the {@link Splicer}'s steps and wait with a {@link Waiter} when a step says
 * {@link Splicer#NOT_READY}.
 *
 * <p>Each transfer owns close-on-exec duplicates of its fds and its pipe, all closed by its arena
 * on every exit path (docs/design.md, "Who owns an fd"). The sockets' file descriptions stay in the
 * kernel's non-blocking mode afterwards, as after a virtual thread used them: a sibling transfer in
 * the other direction may still rely on it, and the JDK's blocking channels handle it.
 */
public final class BlockingSplice {

    private final Splicer splicer;
    private final Waiter waiter;
    private final ChannelGuard guard;
    private final MemorySegment sendfileOffset;
    private final long count;
    private final int chunk;

    private BlockingSplice(Splicer splicer, Waiter waiter, ChannelGuard guard, MemorySegment sendfileOffset,
            long count, int chunk) {
        this.splicer = splicer;
        this.waiter = waiter;
        this.guard = guard;
        this.sendfileOffset = sendfileOffset;
        this.count = count;
        this.chunk = chunk;
    }

    /**
     * Splices from {@code source} to {@code target} until the source's end-of-stream.
     *
     * @param engine where a waiting thread parks, or {@code null} (then a virtual thread can't splice)
     * @return bytes delivered
     * @throws NotSpliceableException if this pair can't splice; nothing was read
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long sockets(SocketChannel source, SocketChannel target, SpliceOptions options,
            TransferRecord record, EngineCore engine) throws IOException, NotSpliceableException {
        FdAccess access = Support.sockets(source, target, engine);
        ChannelGuard guard = new ChannelGuard(source, target);
        guard.check();
        try (Arena arena = Arena.ofConfined()) {
            int sourceFd = access.own(source, arena);
            int targetFd = access.own(target, arena);
            Fds.setNonBlocking(sourceFd);
            Fds.setNonBlocking(targetFd);
            Splicer splicer = new Splicer(sourceFd, targetFd, MemorySegment.NULL, options.moveHint(),
                    options.moreHint(), guard, record);
            splicer.pipe = Pipe.open(arena, options.chunkSize());
            return run(splicer, null, Long.MAX_VALUE, options, guard, record, engine, arena, source, target);
        }
    }

    /**
     * Writes from {@code source} into {@code target} at {@code position} until {@code count} bytes or
     * the source's end-of-stream; never reads more than {@code count} from the socket.
     *
     * @return bytes written to the file
     * @throws NotSpliceableException if this pair can't splice; nothing was read
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long socketToFile(SocketChannel source, FileChannel target, long position, long count,
            SpliceOptions options, TransferRecord record, EngineCore engine)
            throws IOException, NotSpliceableException {
        FdAccess sockets = Support.available(engine);
        FileFdAccess files = FileFdAccess.checkPossible(target, source);
        ChannelGuard guard = new ChannelGuard(source, target);
        guard.check();
        try (Arena arena = Arena.ofConfined()) {
            int socketFd = sockets.own(source, arena);
            int fileFd = files.own(target, true, arena);
            Splicer splicer = new Splicer(socketFd, fileFd, offset(arena, position), options.moveHint(), false,
                    guard, record);
            splicer.pipe = Pipe.open(arena, options.chunkSize());
            if (splicer.probeTarget() == Splicer.NOT_SPLICEABLE) {
                throw new NotSpliceableException(FallbackReason.EINVAL, "splice(pipe -> fd " + fileFd
                        + "): EINVAL (the file was opened with APPEND, or its file system can't splice)");
            }
            Fds.setNonBlocking(socketFd);
            return run(splicer, null, count, options, guard, record, engine, arena, source, target);
        }
    }

    /**
     * Sends up to {@code count} bytes of {@code source} from {@code position}, fewer if the file ends
     * first (also if it is truncated meanwhile).
     *
     * @return bytes the socket accepted
     * @throws NotSpliceableException if this pair can't splice; nothing was sent
     * @throws IOException on failure; {@link SpliceException} carries the bytes delivered
     */
    public static long fileToSocket(FileChannel source, long position, long count, SocketChannel target,
            SpliceOptions options, TransferRecord record, EngineCore engine)
            throws IOException, NotSpliceableException {
        FdAccess sockets = Support.available(engine);
        FileFdAccess files = FileFdAccess.checkPossible(source, target);
        ChannelGuard guard = new ChannelGuard(source, target);
        guard.check();
        try (Arena arena = Arena.ofConfined()) {
            int fileFd = files.own(source, false, arena);
            int socketFd = sockets.own(target, arena);
            Fds.setNonBlocking(socketFd);
            Splicer splicer = new Splicer(fileFd, socketFd, MemorySegment.NULL, false, false, guard, record);
            return run(splicer, offset(arena, position), count, options, guard, record, engine, arena, source,
                    target);
        }
    }

    private static MemorySegment offset(Arena arena, long position) {
        MemorySegment offset = arena.allocate(JAVA_LONG);
        offset.set(JAVA_LONG, 0, position);
        return offset;
    }

    private static long run(Splicer splicer, MemorySegment sendfileOffset, long count, SpliceOptions options,
            ChannelGuard guard, TransferRecord record, EngineCore engine, Arena arena,
            java.nio.channels.Channel source, java.nio.channels.Channel target)
            throws IOException, NotSpliceableException {
        // Closed before the arena closes the fds it may have registered.
        try (Waiter waiter = new Waiter(guard, source, target, record.activity(), engine, arena)) {
            return new BlockingSplice(splicer, waiter, guard, sendfileOffset, count, options.chunkSize()).run();
        }
    }

    /**
     * Drain, then pump until the pipe is empty, until the end; or, for {@code sendfile}, one step that
     * does both. The first step that moves or ends commits the transfer to the zero-copy path.
     */
    private long run() throws IOException, NotSpliceableException {
        for (;;) {
            long delivered = splicer.delivered();
            if (delivered >= count) {
                return delivered;
            }
            guard.check();
            long max = Math.min(chunk, count - delivered);
            long step = sendfileOffset != null ? splicer.sendfile(sendfileOffset, max) : splicer.drain(max);
            if (step == Splicer.NOT_READY) {
                boolean sending = sendfileOffset != null;
                waiter.await(sending ? splicer.targetFd : splicer.sourceFd, sending ? LibC.POLLOUT : LibC.POLLIN,
                        delivered);
                continue;
            }
            if (step == Splicer.NOT_SPLICEABLE) {
                throw new NotSpliceableException(FallbackReason.EINVAL, (sendfileOffset != null ? "sendfile" : "splice")
                        + "(fd " + splicer.sourceFd + " -> " + (sendfileOffset != null ? "fd " + splicer.targetFd : "pipe")
                        + "): EINVAL");
            }
            if (step == Splicer.EOF) {
                return splicer.delivered();
            }
            while (splicer.pending()) {
                if (splicer.pump() == Splicer.NOT_READY) {
                    waiter.await(splicer.targetFd, LibC.POLLOUT, splicer.delivered());
                }
            }
        }
    }

    /** Whether a transfer may splice at all, decided before anything is read. */
    private static final class Support {

        static FdAccess sockets(SocketChannel source, SocketChannel target, EngineCore engine)
                throws NotSpliceableException {
            FdAccess access = available(engine);
            if (!FdAccess.isJdkSocketChannel(source) || !FdAccess.isJdkSocketChannel(target)) {
                throw new NotSpliceableException(FallbackReason.UNSUPPORTED_CHANNEL,
                        "a channel is not the JDK's own socket channel: " + source.getClass().getName() + ", "
                                + target.getClass().getName());
            }
            return access;
        }

        static FdAccess available(EngineCore engine) throws NotSpliceableException {
            ZeroCopySupport support = ZeroCopySupport.status();
            if (!support.available()) {
                throw new NotSpliceableException(support.unavailableReason().orElseThrow(),
                        support.message().orElseThrow());
            }
            if (Thread.currentThread().isVirtual() && engine == null) {
                throw new NotSpliceableException(FallbackReason.VIRTUAL_THREAD,
                        "called from a virtual thread, which must not wait in a blocking native call, and no engine"
                                + " is running to park it");
            }
            return support.fdAccess().orElseThrow();
        }
    }
}
