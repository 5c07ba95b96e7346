package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.splice4j.internal.DueChecks;
import io.splice4j.internal.LoopThreads;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One event-loop thread: an epoll instance of its own, bound through FFM, an eventfd to wake it, a
 * pipe pool and a copy buffer, and the relays and waiters registered with it.
 *
 * <p>Why our own epoll rather than the JDK's {@code Selector}: a virtual thread splicing on a
 * caller's blocking channels waits on duplicated fds, which a {@code Selector} can't watch; one
 * mechanism serves relays and waiters alike. The JDK {@code Selector} here ({@link #holder}) only
 * holds the relays' channels registered, never selected on for readiness: that defers their real
 * close until the relay deregisters them (docs/design.md, "Who owns an fd"), so the loop owns their fd numbers
 * without a duplicate per relay.
 *
 * <p>Why edge-triggered: each socket is added once with {@code EPOLLIN | EPOLLOUT | EPOLLRDHUP}; a
 * flow that saw {@code EAGAIN} remembers it and waits for the next edge, so no {@code epoll_ctl} is
 * spent per state change. The one exception is a readable edge nobody can use (its flow still
 * waits for its target): such edges come with every segment of a bulk stream, so the relay disarms
 * {@code EPOLLIN} until its flow waits for it again (docs/design.md, "Threading"). A flow that
 * still has work after its turn is queued and run again after the next non-blocking
 * {@code epoll_wait}, so one busy relay can't starve the others.
 */
final class EventLoop {

    private static final System.Logger LOG = System.getLogger("io.splice4j");
    private static final int MAX_EVENTS = 256;
    private static final long WAKE_TOKEN = 0;
    private static final MemorySegment ONE = Arena.global().allocate(JAVA_LONG);

    static {
        ONE.set(JAVA_LONG, 0, 1L);
    }

    /** Receives the events of one registered fd, on the loop thread. */
    interface Handler {
        void onEvents(int events);
    }

    /**
     * Something registered that the loop checks when due ({@link DueChecks}): a relay or a parked
     * waiter, which must notice a channel closed by another thread and an idle deadline passing.
     * Checks run on the loop thread, the first one tick after {@link #watch}.
     */
    interface Watched extends DueChecks.Item {
        /** Called on the loop thread when the loop shuts down: end now. */
        void loopClosing();
    }

    private final int epfd;
    private final int wakeFd;
    private final Thread thread;
    final Selector holder;
    final PipePool pool;
    /** Relays started on this loop and not ended yet; they start on callers' threads. */
    final AtomicInteger relays = new AtomicInteger();
    private final int copyBufferSize;
    /** Where flows without a pipe copy through (see {@link Splicer#copy}); confined to the loop thread. */
    MemorySegment copyBuffer;
    /** An event struct for the loop thread's own {@code epoll_ctl} calls. */
    private MemorySegment loopEvent;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Map<Long, Handler> handlers = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong(WAKE_TOKEN + 1);
    private final ArrayDeque<Runnable> again = new ArrayDeque<>();
    /** What runs after the next flush of cancelled keys; confined to the loop thread. */
    private final ArrayDeque<Runnable> afterFlush = new ArrayDeque<>();
    /** Relays' and waiters' checks; run on the loop thread. */
    private final DueChecks checks = new DueChecks();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** A test's way into the window between the loop's last drain of its tasks and its count-down. */
    volatile Runnable beforeStopped;
    private volatile boolean closing;
    private boolean deregistered;
    /** Other threads' epoll_ctl calls hold it shared; closing the epoll fd takes it exclusively. */
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();
    private boolean fdsClosed;

    EventLoop(String name, PipePool pool, int copyBufferSize) throws IOException {
        this.pool = pool;
        this.copyBufferSize = copyBufferSize;
        this.epfd = LibC.epollCreate1(LibC.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new IOException("epoll_create1: " + Errno.name(LibC.errno()));
        }
        this.wakeFd = LibC.eventfd(0, LibC.EPOLL_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wakeFd < 0) {
            int errno = LibC.errno();
            LibC.close(epfd);
            throw new IOException("eventfd: " + Errno.name(errno));
        }
        try (Arena scratch = Arena.ofConfined()) {
            if (ctl(LibC.EPOLL_CTL_ADD, wakeFd, LibC.EPOLLIN, WAKE_TOKEN, scratch.allocate(LibC.EPOLL_EVENT)) < 0) {
                int errno = LibC.errno();
                LibC.close(wakeFd);
                LibC.close(epfd);
                throw new IOException("epoll_ctl(ADD eventfd): " + Errno.name(errno));
            }
        }
        try {
            this.holder = Selector.open();
        } catch (IOException | RuntimeException e) {
            LibC.close(wakeFd);
            LibC.close(epfd);
            throw e;
        }
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread, soon. */
    void execute(Runnable task) {
        tasks.add(task);
        if (closing) {
            // The loop may already have drained its queue for the last time.
            runRejected();
        }
        wakeup();
    }

    /** Runs {@code flow} again after the next poll for events: it used its turn with work left. */
    void again(Runnable flow) {
        again.addLast(flow);
    }

    long newToken(Handler handler) {
        long token = tokens.getAndIncrement();
        handlers.put(token, handler);
        return token;
    }

    void dropToken(long token) {
        handlers.remove(token);
    }

    void watch(Watched item) {
        checks.watch(item);
        if (!inLoop()) {
            // The loop may be in an endless epoll_wait: wake it so it schedules the first check.
            wakeup();
        }
    }

    void unwatch(Watched item) {
        checks.unwatch(item);
    }

    /**
     * Runs {@code task} on the loop thread once the cancelled keys are next flushed, that is once
     * the closes deferred until then are done: one flush per loop turn serves every relay that
     * ended in it (a {@code selectNow} per ended relay was half the loop's {@code epoll_wait}
     * calls at a high connection rate). Loop thread only.
     *
     * @return {@code false} if the holder is closed (nothing will be flushed): the caller runs it
     */
    boolean afterFlush(Runnable task) {
        if (!holder.isOpen()) {
            return false;
        }
        afterFlush.addLast(task);
        return true;
    }

    /** Notes that a relay cancelled its selector keys: the holder must flush them to finish closes. */
    void deregistered() {
        deregistered = true;
    }

    /**
     * {@code epoll_ctl} with an event struct the caller provides (any thread may call it).
     *
     * @return {@code 0}, or {@code -1} with errno set
     */
    int ctl(int op, int fd, int events, long token, MemorySegment event) {
        event.set(JAVA_INT, 0, events);
        event.set(JAVA_LONG_UNALIGNED, LibC.EPOLL_EVENT_DATA_OFFSET, token);
        fdLock.readLock().lock();
        try {
            if (fdsClosed) {
                return -1;
            }
            return LibC.epollCtl(epfd, op, fd, event);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /**
     * {@code EPOLL_CTL_ADD}, on the loop thread only: through the loop's own event struct, so that
     * a relay's start allocates no native memory (a malloc and free per socket fragments the
     * loop thread's malloc arena over thousands of connections).
     *
     * @return {@code 0}, or {@code -1} with errno set
     */
    int add(int fd, int events, long token) {
        return ctl(LibC.EPOLL_CTL_ADD, fd, events, token, loopEvent);
    }

    /**
     * {@code EPOLL_CTL_MOD}, on the loop thread only.
     *
     * @return {@code 0}, or {@code -1} with errno set
     */
    int modify(int fd, int events, long token) {
        return ctl(LibC.EPOLL_CTL_MOD, fd, events, token, loopEvent);
    }

    /** {@code EPOLL_CTL_DEL}; the kernel ignores the event argument. */
    void remove(int fd) {
        fdLock.readLock().lock();
        try {
            if (!fdsClosed) {
                LibC.epollCtl(epfd, LibC.EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            }
        } finally {
            fdLock.readLock().unlock();
        }
    }

    private void wakeup() {
        if (wakePending.compareAndSet(false, true)) {
            fdLock.readLock().lock();
            try {
                if (!fdsClosed) {
                    LibC.writeIgnoringErrno(wakeFd, ONE, 8);
                }
            } finally {
                fdLock.readLock().unlock();
            }
        }
    }

    private void run() {
        LoopThreads.markCurrent();
        try (Arena arena = Arena.ofConfined()) {
            copyBuffer = arena.allocate(copyBufferSize);
            loopEvent = arena.allocate(LibC.EPOLL_EVENT);
            MemorySegment events = arena.allocate(LibC.EPOLL_EVENT, MAX_EVENTS);
            MemorySegment drainWake = arena.allocate(JAVA_LONG);
            long eventSize = LibC.EPOLL_EVENT.byteSize();
            while (!closing) {
                runTasks();
                // Relays a task ended complete now, not after a wait for events.
                flushDeregistrations();
                int timeout = !again.isEmpty() || !tasks.isEmpty() ? 0 : checks.millisUntilNext();
                int ready = LibC.epollWait(epfd, events, MAX_EVENTS, timeout);
                if (ready < 0) {
                    int errno = LibC.errno();
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    throw new IOException("epoll_wait: " + Errno.name(errno));
                }
                for (int i = 0; i < ready; i++) {
                    int bits = events.get(JAVA_INT, i * eventSize);
                    long token = events.get(JAVA_LONG_UNALIGNED, i * eventSize + LibC.EPOLL_EVENT_DATA_OFFSET);
                    if (token == WAKE_TOKEN) {
                        // Read first, then clear: a wake-up written between the two stays pending
                        // in the eventfd instead of being swallowed by this read.
                        LibC.read(wakeFd, drainWake, 8);
                        wakePending.set(false);
                    } else {
                        dispatch(token, bits);
                    }
                }
                for (int queued = again.size(); queued > 0; queued--) {
                    runSafely(again.pollFirst());
                }
                checks.runDue();
                flushDeregistrations();
            }
        } catch (IOException | RuntimeException | Error e) {
            LOG.log(Level.ERROR, "splice4j event loop " + thread.getName() + " failed", e);
        } finally {
            closing = true;
            shutDown();
            Runnable hook = beforeStopped;
            if (hook != null) {
                hook.run();
            }
            stopped.countDown();
            // A task queued after shutDown's last look but before the count-down would otherwise
            // never run: its submitter saw the latch still up. Everything queued from here on is
            // run by its submitter (see execute).
            runTasks();
        }
    }

    private void dispatch(long token, int bits) {
        Handler handler = handlers.get(token);
        if (handler != null) {
            try {
                handler.onEvents(bits);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "splice4j event handler failed", e);
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            runSafely(task);
        }
    }

    private static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "splice4j event loop task failed", e);
        }
    }

    /**
     * Flushes the cancelled keys, performing the deferred closes, then runs what waited for that.
     * Loop thread only; it may run inside a task that itself runs after a flush.
     */
    void flushDeregistrations() {
        try {
            if (deregistered && holder.isOpen()) {
                deregistered = false;
                // Flushing the cancelled keys is what performs the deferred closes.
                holder.selectNow();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            // Even if the flush failed, nobody may wait forever for the relays waiting on it.
            Runnable task;
            while ((task = afterFlush.pollFirst()) != null) {
                runSafely(task);
            }
        }
    }

    /** Ends everything still registered (their owners see the loop closing) and frees the loop's fds. */
    private void shutDown() {
        runTasks();
        checks.forEachWatched(item -> runSafely(((Watched) item)::loopClosing));
        runTasks();
        again.clear();
        try {
            deregistered = true;
            flushDeregistrations();
            holder.close();
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.WARNING, "closing the engine's selector failed", e);
        }
        pool.closeIdle();
        fdLock.writeLock().lock();
        try {
            fdsClosed = true;
            LibC.close(wakeFd);
            LibC.close(epfd);
        } finally {
            fdLock.writeLock().unlock();
        }
    }

    private void runRejected() {
        // After the loop's final drain nobody else empties the queue: run the tasks here, so that no
        // caller waits forever. Before it, the loop's final drain runs them.
        if (stopped.getCount() == 0) {
            runTasks();
        }
    }

    /** Stops the loop: everything registered ends, then every fd the loop opened is closed. */
    void close() {
        closing = true;
        wakeup();
        if (!inLoop()) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean isClosing() {
        return closing;
    }
}
