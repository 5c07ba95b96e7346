package io.splice4j.internal.linux;

import io.splice4j.RelayResult;
import io.splice4j.SpliceOptions;
import io.splice4j.internal.Metrics;
import io.splice4j.internal.RelayHandle;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A relay on an event loop: two {@link EngineFlow}s over the two channels' own fds, which stay
 * registered with the loop's holder selector (and so stay open) until the relay has removed them
 * from epoll. The fds are found on the caller's thread; every later step runs on the loop thread.
 */
final class EngineRelay extends RelayHandle implements EventLoop.Watched {

    private static final int SOCKET_EVENTS = LibC.EPOLLIN | LibC.EPOLLOUT | LibC.EPOLLRDHUP | LibC.EPOLLET;
    private static final int READ_EVENTS = LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR;
    private static final int WRITE_EVENTS = LibC.EPOLLOUT | LibC.EPOLLHUP | LibC.EPOLLERR;

    /** How often a relay looks for a channel closed behind its back. */
    static final long CLOSE_CHECK_NANOS = 1_000_000_000L;

    private final EventLoop loop;
    private final EngineFlow forward;
    private final EngineFlow backward;
    private final int fdA;
    private final int fdB;
    private SelectionKey keyA;
    private SelectionKey keyB;
    private long tokenA;
    private long tokenB;
    /** The events each socket is armed for in epoll, and the events it should be armed for. */
    private int armedA = SOCKET_EVENTS;
    private int armedB = SOCKET_EVENTS;
    private int wantedA = SOCKET_EVENTS;
    private int wantedB = SOCKET_EVENTS;
    /** Whether each socket was added to epoll: only those are removed, as only their numbers are held. */
    private boolean addedA;
    private boolean addedB;
    private IOException failure;
    private RelayResult.End end;
    private volatile boolean finished;

    private EngineRelay(EventLoop loop, SocketChannel a, SocketChannel b, int fdA, int fdB, SpliceOptions options) {
        super(a, b, options);
        this.loop = loop;
        this.fdA = fdA;
        this.fdB = fdB;
        this.forward = new EngineFlow(this, loop, a, b, options, options.firstBytesAtoB(), aToB);
        this.backward = new EngineFlow(this, loop, b, a, options, options.firstBytesBtoA(), bToA);
        // Every relay constructed reaches end(), which counts it out.
        loop.relays.incrementAndGet();
        forward.bind(fdA, fdB);
        backward.bind(fdB, fdA);
    }

    /**
     * Finds both channels' fds on the caller's thread (a {@code /proc} scan must not stall the
     * loop), registers them with the loop's holder selector, and starts the relay on the loop.
     * The channels must be blocking on entry; they are non-blocking once this returns normally.
     *
     * @throws NotSpliceableException if an fd can't be found; the channels are unchanged
     * @throws IOException if a channel is closed or can't be registered
     */
    static EngineRelay start(EventLoop loop, FdAccess access, SocketChannel a, SocketChannel b, SpliceOptions options)
            throws IOException, NotSpliceableException {
        int fdA = access.pinnedFd(a);
        int fdB = access.pinnedFd(b);
        a.configureBlocking(false);
        b.configureBlocking(false);
        EngineRelay relay = new EngineRelay(loop, a, b, fdA, fdB, options);
        try {
            relay.keyA = a.register(loop.holder, 0);
            relay.keyB = b.register(loop.holder, 0);
        } catch (ClosedSelectorException e) {
            relay.failLater(new AsynchronousCloseException());
            return relay;
        } catch (IOException e) {
            relay.failLater(e);
            return relay;
        }
        // Open after registering means never closed since the fds were found: a close is final,
        // and the registration now defers any later one, so the numbers stay theirs.
        if (!a.isOpen() || !b.isOpen()) {
            relay.failLater(new AsynchronousCloseException());
            return relay;
        }
        loop.execute(relay::begin);
        return relay;
    }

    private void failLater(IOException e) {
        loop.execute(() -> fail(e));
    }

    /** Adds both sockets to epoll and starts both flows. */
    private void begin() {
        try {
            if (loop.isClosing()) {
                throw new AsynchronousCloseException();
            }
            tokenA = loop.newToken(events -> onEvents(events, true));
            tokenB = loop.newToken(events -> onEvents(events, false));
            add(fdA, tokenA);
            addedA = true;
            add(fdB, tokenB);
            addedB = true;
            loop.watch(this);
            forward.advance();
            backward.advance();
        } catch (IOException e) {
            fail(e);
        }
    }

    private void add(int fd, long token) throws IOException {
        if (loop.add(fd, SOCKET_EVENTS, token) < 0) {
            throw new IOException("epoll_ctl(ADD fd " + fd + "): " + Errno.name(LibC.errno()));
        }
    }

    /**
     * Events on one socket: its outgoing flow may read it, its incoming flow may write it. A
     * readable edge its flow already knew about (because that flow waits for its target) is of no
     * use: a bulk stream brings one per segment and each would wake the loop for nothing, so
     * {@code EPOLLIN} is disarmed until the flow waits for it again ({@link #syncInterest}).
     */
    private void onEvents(int events, boolean onA) {
        // The JDK shuts down the output of a registered socket its owner closes, which is an event
        // here: notice the close now rather than at the next periodic check.
        if (failedIfClosed()) {
            return;
        }
        EngineFlow readsIt = onA ? forward : backward;
        EngineFlow writesIt = onA ? backward : forward;
        // EPOLLOUT stays armed: an owner's close of the socket (a shutdown of its output) reports
        // nothing else, and its useless edges come only after the send buffer was full.
        int useless = (events & LibC.EPOLLIN) != 0 && readsIt.readable ? LibC.EPOLLIN : 0;
        if ((events & READ_EVENTS) != 0) {
            readsIt.readable = true;
        }
        if ((events & WRITE_EVENTS) != 0) {
            writesIt.writable = true;
        }
        if (onA) {
            wantedA &= ~useless;
        } else {
            wantedB &= ~useless;
        }
        readsIt.advance();
        writesIt.advance();
        syncInterest();
    }

    /**
     * Re-arms {@code EPOLLIN} where a flow now waits for it, and disarms it where it proved
     * useless. Re-arming an edge-triggered event whose condition already holds reports it at once,
     * so nothing that happened while it was disarmed is missed.
     */
    void syncInterest() {
        if (finished) {
            return;
        }
        wantedA |= waitedFor(forward);
        wantedB |= waitedFor(backward);
        try {
            if (wantedA != armedA) {
                armedA = modify(fdA, tokenA, wantedA);
            }
            if (wantedB != armedB) {
                armedB = modify(fdB, tokenB, wantedB);
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private static int waitedFor(EngineFlow readsIt) {
        return readsIt.readable ? 0 : LibC.EPOLLIN;
    }

    private int modify(int fd, long token, int events) throws IOException {
        if (loop.modify(fd, events, token) < 0) {
            throw new IOException("epoll_ctl(MOD fd " + fd + "): " + Errno.name(LibC.errno()));
        }
        return events;
    }

    /** Ends the relay if a channel was closed behind its back; returns whether it did. */
    private boolean failedIfClosed() {
        if (a.isOpen() && b.isOpen()) {
            return false;
        }
        fail(new AsynchronousCloseException());
        return true;
    }

    boolean finished() {
        return finished;
    }

    /** A flow passed its end-of-stream on; the relay ends when both have. */
    void flowDone() {
        if (forward.done() && backward.done()) {
            end(RelayResult.End.COMPLETED, null);
        }
    }

    /** The first failure ends the relay; failures its own closing causes come later and are dropped. */
    void fail(IOException e) {
        end(RelayResult.End.FAILED, e);
    }

    /** A flow failed: a failed operation on a socket means that connection broke, and the other is reset. */
    void fail(EngineFlow flow, IOException e) {
        end(endOf(e, flow == forward), e);
    }

    /**
     * Checks for a channel closed behind the relay's back (only its owner should close them, so a
     * second's latency is enough) and for the idle deadline, which is checked when it is due.
     */
    @Override
    public long check(long nowNanos) {
        if (!failedIfClosed() && activity.expired(nowNanos)) {
            Metrics.idleTimeout();
            end(RelayResult.End.IDLE_TIMEOUT, null);
        }
        return Math.min(CLOSE_CHECK_NANOS, activity.nanosUntilExpiry(nowNanos));
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
    private void end(RelayResult.End reason, IOException cause) {
        end(reason, cause, resets(reason, cause));
    }

    private void end(RelayResult.End reason, IOException cause, boolean reset) {
        if (finished) {
            return;
        }
        finished = true;
        end = reason;
        failure = cause;
        loop.relays.decrementAndGet();
        boolean deferred = false;
        try {
            loop.unwatch(this);
            // A start that failed to register a channel (closed meanwhile) never added it: its
            // number may already belong to another socket, even one of this loop's relays.
            if (addedA) {
                loop.remove(fdA);
            }
            if (addedB) {
                loop.remove(fdB);
            }
            loop.dropToken(tokenA);
            loop.dropToken(tokenB);
            forward.release();
            backward.release();
            if (keyA != null) {
                keyA.cancel();
            }
            if (keyB != null) {
                keyB.cancel();
            }
            closeChannels(reset);
            // The sockets must be really closed before completion: the loop flushes the cancelled
            // keys once per turn, for all the relays that ended in it, and completes them after.
            loop.deregistered();
            deferred = loop.inLoop() && loop.afterFlush(this::completeNow);
        } finally {
            // Whatever failed above, nobody may wait forever for this relay.
            if (!deferred) {
                completeNow();
            }
        }
    }

    private void completeNow() {
        // As on threads: a direction that passed its end-of-stream on finished; one cut short failed.
        for (EngineFlow flow : new EngineFlow[] {forward, backward}) {
            if (flow.done()) {
                flow.record.finished();
            } else {
                flow.record.failed();
            }
        }
        complete(end, failure);
    }

    /**
     * On the loop thread (a completion callback closing another relay) the relay ends here and now,
     * its sockets' closes flushed and its completion done, so that a caller there never waits for
     * work only this thread could do.
     */
    @Override
    protected void stop(boolean reset) {
        if (loop.inLoop()) {
            end(RelayResult.End.CLOSED, null, reset);
            loop.flushDeregistrations();
        } else {
            loop.execute(() -> end(RelayResult.End.CLOSED, null, reset));
        }
    }
}
