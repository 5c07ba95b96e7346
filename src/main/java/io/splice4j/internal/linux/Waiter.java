package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.splice4j.SpliceException;
import io.splice4j.internal.Activity;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.DueChecks;
import io.splice4j.internal.Metrics;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.util.concurrent.locks.LockSupport;

/**
 * The one way a blocking transfer waits for an fd it owns to become ready. A platform thread first
 * waits in {@code poll(2)}, which wakes it with the least latency while bytes keep coming; after
 * {@link #POLL_SLICES_BEFORE_PARKING} idle slices (and always on a virtual thread, which must not
 * sit in a native call) it parks on an engine loop with a one-shot epoll registration, made on the
 * first park only, so a transfer that never waits long never touches a loop. A platform thread
 * gets the shared engine at that first park, so a transfer that never waits past its slices starts
 * no loop thread; where no engine can run, it stays in {@code poll} slices.
 *
 * <p>Between slices, and when the loop's periodic tick wakes a parked thread, the waiter checks the
 * guard (close, interrupt) and the idle deadline: one period, {@link DueChecks#TICK_MILLIS} ms, for
 * every kind of wait. See docs/design.md, "Waiting and noticing a close".
 */
final class Waiter implements AutoCloseable {

    /** Idle poll slices a platform thread waits before it parks: busy sockets keep poll's latency. */
    static final int POLL_SLICES_BEFORE_PARKING = 2;

    private final ChannelGuard guard;
    private final Channel source;
    private final Channel target;
    private final Activity activity;
    private EngineCore engine;
    /** No engine could be had: a platform thread waits in {@code poll} slices only. */
    private boolean pollOnly;
    private final Arena arena;
    private final MemorySegment pollFd;
    private final Thread thread = Thread.currentThread();
    private Registration registration;

    /**
     * @param engine where to park, or {@code null} for the shared engine, started at the first park
     *     (platform threads; a virtual thread needs one from the start)
     * @param arena owns the native memory of the waits
     */
    Waiter(ChannelGuard guard, Channel source, Channel target, Activity activity, EngineCore engine, Arena arena) {
        this.guard = guard;
        this.source = source;
        this.target = target;
        this.activity = activity;
        this.engine = engine;
        this.arena = arena;
        this.pollFd = arena.allocate(LibC.POLLFD);
    }

    /**
     * Returns once {@code fd} may be ready for {@code events} (the caller retries its call either way).
     *
     * @param fd an owned fd
     * @param events {@link LibC#POLLIN} or {@link LibC#POLLOUT}
     * @param delivered bytes delivered so far, for an exception
     * @throws IOException if the channels were closed or the thread interrupted meanwhile (the
     *     guard's exceptions), the idle timeout passed ({@link io.splice4j.IdleTimeoutException}), or
     *     {@code poll} or {@code epoll_ctl} failed
     */
    void await(int fd, short events, long delivered) throws IOException {
        Metrics.readinessWait();
        if (!thread.isVirtual()) {
            int slices = pollOnly ? Integer.MAX_VALUE : POLL_SLICES_BEFORE_PARKING;
            if (poll(fd, events, delivered, slices)) {
                return;
            }
        }
        park(fd, events, delivered);
    }

    private boolean poll(int fd, short events, long delivered, int slices) throws IOException {
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, 4, events);
        for (int slice = 0; slice < slices; ) {
            check(delivered);
            int ready = LibC.poll(pollFd, 1, DueChecks.TICK_MILLIS);
            if (ready > 0) {
                return true;
            }
            if (ready == 0) {
                slice++;
            } else {
                int errno = LibC.errno();
                if (errno != Errno.EINTR) {
                    guard.check();
                    throw new SpliceException("poll(fd " + fd + ")", Errno.name(errno), delivered);
                }
            }
        }
        return false;
    }

    private void park(int fd, short events, long delivered) throws IOException {
        check(delivered);
        if (registration == null || registration.loopGone) {
            // The first park registers (a platform thread's gets the shared engine here); a loop
            // that died since is replaced by the engine, and an engine closed since (the shared
            // one, by its shutdown hook) by a new shared engine.
            close();
            if (engine == null || engine.isClosed()) {
                engine = SharedEngine.coreOrNull();
                if (engine == null) {
                    if (thread.isVirtual()) {
                        throw new AsynchronousCloseException();
                    }
                    pollOnly = true;
                    poll(fd, events, delivered, Integer.MAX_VALUE);
                    return;
                }
            }
            registration = new Registration(engine.loop());
        }
        registration.arm(fd, events, delivered);
        LockSupport.park(this);
        check(delivered);
    }

    private void check(long delivered) throws IOException {
        guard.check();
        if (activity.expired(System.nanoTime())) {
            Metrics.idleTimeout();
            throw activity.timeout(delivered);
        }
    }

    /** Removes the registration before the transfer closes the fds it armed. */
    @Override
    public void close() {
        if (registration != null) {
            registration.close();
            registration = null;
        }
    }

    /** This waiter's presence on one loop: a token that unparks the thread, and the fds armed. */
    private final class Registration implements EventLoop.Watched {
        private final EventLoop loop;
        private final long token;
        private final MemorySegment event = arena.allocate(LibC.EPOLL_EVENT);
        private final int[] armed = {-1, -1};
        private volatile boolean loopGone;

        Registration(EventLoop loop) {
            this.loop = loop;
            this.token = loop.newToken(ignored -> LockSupport.unpark(thread));
            loop.watch(this);
        }

        void arm(int fd, short pollEvents, long delivered) throws IOException {
            int events = (pollEvents == LibC.POLLIN ? LibC.EPOLLIN | LibC.EPOLLRDHUP : LibC.EPOLLOUT)
                    | LibC.EPOLLONESHOT;
            int slot = armed[0] == fd ? 0 : armed[1] == fd ? 1 : -1;
            int op = slot >= 0 ? LibC.EPOLL_CTL_MOD : LibC.EPOLL_CTL_ADD;
            if (loop.ctl(op, fd, events, token, event) < 0) {
                int errno = LibC.errno();
                if (loopGone || loop.isClosing()) {
                    // The loop is going away: the next wait registers with its replacement.
                    loopGone = true;
                    LockSupport.unpark(thread);
                    return;
                }
                throw new SpliceException("epoll_ctl(fd " + fd + ")", Errno.name(errno), delivered);
            }
            if (slot < 0) {
                armed[armed[0] < 0 ? 0 : 1] = fd;
            }
        }

        @Override
        public long check(long nowNanos) {
            if (!source.isOpen() || !target.isOpen() || activity.expired(nowNanos)) {
                LockSupport.unpark(thread);
            }
            return DueChecks.TICK_NANOS;
        }

        @Override
        public void loopClosing() {
            loopGone = true;
            LockSupport.unpark(thread);
        }

        void close() {
            for (int fd : armed) {
                if (fd >= 0) {
                    loop.remove(fd);
                }
            }
            loop.dropToken(token);
            loop.unwatch(this);
        }
    }
}
