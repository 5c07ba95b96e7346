package io.splice4j.internal.linux;

import io.splice4j.internal.ChannelGuard;
import io.splice4j.FallbackReason;
import io.splice4j.RelayResult;
import io.splice4j.SpliceResult;
import io.splice4j.internal.Metrics;
import io.splice4j.internal.RelayHandle;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A relay on an event loop: two {@link Flow}s over the two channels' own fds, which stay registered
 * with the loop's holder selector (and so stay open) until the relay has removed them from epoll.
 * Every method but the constructor and the accessors runs on the loop thread.
 */
final class EngineRelay implements EventLoop.Watched, RelayHandle {

    private static final int SOCKET_EVENTS = LibC.EPOLLIN | LibC.EPOLLOUT | LibC.EPOLLRDHUP | LibC.EPOLLET;
    private static final int READ_EVENTS = LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR;
    private static final int WRITE_EVENTS = LibC.EPOLLOUT | LibC.EPOLLHUP | LibC.EPOLLERR;

    private final EventLoop loop;
    private final FdAccess access;
    private final SocketChannel a;
    private final SocketChannel b;
    private final Flow aToB;
    private final Flow bToA;
    private final CompletableFuture<RelayResult> completion = new CompletableFuture<>();
    private SelectionKey keyA;
    private SelectionKey keyB;
    private int fdA = -1;
    private int fdB = -1;
    private long tokenA;
    private long tokenB;
    private IOException failure;
    private boolean closedByCaller;
    private volatile boolean finished;

    EngineRelay(EventLoop loop, FdAccess access, SocketChannel a, SocketChannel b, int chunkSize, boolean splice,
            FallbackReason fallback, boolean move, boolean more) {
        this.loop = loop;
        this.access = access;
        this.a = a;
        this.b = b;
        this.aToB = new Flow(this, loop, a, b, chunkSize, splice, fallback, move, more);
        this.bToA = new Flow(this, loop, b, a, chunkSize, splice, fallback, move, more);
    }

    /** Registers the channels and starts both flows. */
    void start() {
        try {
            if (loop.isClosing()) {
                throw new AsynchronousCloseException();
            }
            keyA = a.register(loop.holder, 0);
            keyB = b.register(loop.holder, 0);
            fdA = access.pinnedFd(a);
            fdB = access.pinnedFd(b);
            aToB.sourceFd = fdA;
            aToB.targetFd = fdB;
            bToA.sourceFd = fdB;
            bToA.targetFd = fdA;
            tokenA = loop.newToken(events -> onEvents(events, aToB, bToA));
            tokenB = loop.newToken(events -> onEvents(events, bToA, aToB));
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment event = scratch.allocate(LibC.EPOLL_EVENT);
                add(fdA, tokenA, event);
                add(fdB, tokenB, event);
            }
            loop.watch(this);
            Metrics.started(aToB.result().path());
            Metrics.started(bToA.result().path());
            aToB.advance();
            bToA.advance();
        } catch (IOException e) {
            fail(e);
        } catch (NotSpliceableException | RuntimeException e) {
            fail(new IOException("can't register the relay: " + e.getMessage(), e));
        }
    }

    private void add(int fd, long token, MemorySegment event) throws IOException {
        if (loop.ctl(LibC.EPOLL_CTL_ADD, fd, SOCKET_EVENTS, token, event) < 0) {
            throw new IOException("epoll_ctl(ADD fd " + fd + "): " + Errno.name(LibC.errno()));
        }
    }

    /** Events on one socket: its outgoing flow may read it, its incoming flow may write it. */
    private void onEvents(int events, Flow readsIt, Flow writesIt) {
        if ((events & READ_EVENTS) != 0) {
            readsIt.readable = true;
        }
        if ((events & WRITE_EVENTS) != 0) {
            writesIt.writable = true;
        }
        readsIt.advance();
        writesIt.advance();
    }

    boolean finished() {
        return finished;
    }

    /** A flow passed its end-of-stream on; the relay ends when both have. */
    void flowDone() {
        if (aToB.done() && bToA.done()) {
            end();
        }
    }

    /** The first failure ends the relay; failures its own closing causes come later and are dropped. */
    void fail(IOException e) {
        if (!finished) {
            if (!closedByCaller) {
                failure = e;
            }
            end();
        }
    }

    void closeByCaller() {
        if (!finished) {
            closedByCaller = true;
            end();
        }
    }

    @Override
    public void checkLiveness() {
        if (!a.isOpen() || !b.isOpen()) {
            fail(new AsynchronousCloseException());
        }
    }

    @Override
    public void loopClosing() {
        fail(new AsynchronousCloseException());
    }

    /**
     * Ends the relay: out of epoll first, while the fds are still held; then the pipes back to the
     * pool (or closed if they hold bytes); then the channels closed, which the holder selector turns
     * into real closes when it flushes the cancelled keys.
     */
    private void end() {
        finished = true;
        try {
            loop.unwatch(this);
            if (fdA >= 0) {
                loop.remove(fdA);
            }
            if (fdB >= 0) {
                loop.remove(fdB);
            }
            loop.dropToken(tokenA);
            loop.dropToken(tokenB);
            aToB.release();
            bToA.release();
            if (keyA != null) {
                keyA.cancel();
            }
            if (keyB != null) {
                keyB.cancel();
            }
            ChannelGuard.closeQuietly(a);
            ChannelGuard.closeQuietly(b);
            // Flush the cancelled keys now, so that the sockets are really closed before completion.
            loop.deregistered();
            loop.flushDeregistrations();
        } finally {
            // Whatever failed above, nobody may wait forever for this relay.
            SpliceResult forward = aToB.result();
            SpliceResult backward = bToA.result();
            for (SpliceResult direction : new SpliceResult[] {forward, backward}) {
                if (failure == null) {
                    Metrics.finished(direction.path());
                } else {
                    Metrics.failed(direction.path());
                }
            }
            RelayResult.End end = failure != null ? RelayResult.End.FAILED
                    : closedByCaller ? RelayResult.End.CLOSED : RelayResult.End.COMPLETED;
            completion.complete(new RelayResult(forward, backward, end, Optional.ofNullable(failure)));
        }
    }


    @Override
    public CompletableFuture<RelayResult> completion() {
        return completion;
    }

    @Override
    public long bytesAtoB() {
        return aToB.delivered();
    }

    @Override
    public long bytesBtoA() {
        return bToA.delivered();
    }

    @Override
    public void stop() {
        if (loop.inLoop()) {
            closeByCaller();
        } else {
            loop.execute(this::closeByCaller);
        }
    }
}
