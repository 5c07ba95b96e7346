package io.splice4j.internal.linux;

import io.splice4j.SpliceException;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets a virtual thread wait for a socket without pinning its carrier: it arms a one-shot epoll
 * registration on an event loop and parks; the loop unparks it on the event, and also when one of
 * its channels is closed by another thread (checked every {@link EventLoop#LIVENESS_MILLIS} ms).
 * An interrupt unparks it as well. Registered fds are removed before the transfer closes them.
 */
final class LoopWaiter implements EventLoop.Watched, AutoCloseable {

    private final EventLoop loop;
    private final Thread thread = Thread.currentThread();
    private final SocketChannel source;
    private final SocketChannel target;
    private final MemorySegment event;
    private final long token;
    private final int[] armed = {-1, -1};
    private volatile boolean loopClosed;

    LoopWaiter(EventLoop loop, Arena arena, SocketChannel source, SocketChannel target) {
        this.loop = loop;
        this.source = source;
        this.target = target;
        this.event = arena.allocate(LibC.EPOLL_EVENT);
        this.token = loop.newToken(events -> LockSupport.unpark(thread));
        loop.watch(this);
    }

    /** Parks until {@code fd} may be ready for {@code pollEvents} ({@code POLLIN} or {@code POLLOUT}), or something else needs a look. */
    void await(int fd, short pollEvents) throws IOException {
        if (loopClosed) {
            throw new AsynchronousCloseException();
        }
        int events = (pollEvents == LibC.POLLIN ? LibC.EPOLLIN | LibC.EPOLLRDHUP : LibC.EPOLLOUT) | LibC.EPOLLONESHOT;
        int slot = armed[0] == fd ? 0 : armed[1] == fd ? 1 : -1;
        int op = slot >= 0 ? LibC.EPOLL_CTL_MOD : LibC.EPOLL_CTL_ADD;
        if (loop.ctl(op, fd, events, token, event) < 0) {
            if (loop.isClosing()) {
                throw new AsynchronousCloseException();
            }
            throw new SpliceException("epoll_ctl(fd " + fd + ")", Errno.name(LibC.errno()), 0);
        }
        if (slot < 0) {
            armed[armed[0] < 0 ? 0 : 1] = fd;
        }
        LockSupport.park(this);
    }

    @Override
    public boolean urgent() {
        return true;
    }

    @Override
    public void checkLiveness() {
        if (!source.isOpen() || !target.isOpen()) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void loopClosing() {
        loopClosed = true;
        LockSupport.unpark(thread);
    }

    @Override
    public void close() {
        for (int fd : armed) {
            if (fd >= 0) {
                loop.remove(fd);
            }
        }
        loop.dropToken(token);
        loop.unwatch(this);
    }
}
