package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.splice4j.SpliceException;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.Metrics;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Waits in {@code poll(2)} until one owned fd is ready, in slices short enough to notice what
 * {@code poll} can't see: an interrupt, or a close of either channel (the loop's duplicate fds keep
 * the sockets alive, so a close wakes nothing).
 */
final class Readiness {

    /** Longest a wait goes without checking for interrupt and close; well under the 100 ms promise. */
    static final int WAIT_SLICE_MILLIS = 20;

    private final ChannelGuard guard;
    private final MemorySegment pollFd;

    Readiness(ChannelGuard guard, Arena arena) {
        this.guard = guard;
        this.pollFd = arena.allocate(LibC.POLLFD);
    }

    /**
     * Returns once {@code fd} is ready for {@code events}, or has an error or hang-up to report (the
     * next call on it then says which).
     *
     * @param fd an owned fd
     * @param events {@link LibC#POLLIN} or {@link LibC#POLLOUT}
     * @param delivered bytes delivered so far, for the exception if {@code poll} fails
     * @throws IOException if the channels were closed or the thread interrupted meanwhile, or
     *     {@code poll} fails
     */
    void await(int fd, short events, long delivered) throws IOException {
        Metrics.readinessWait();
        while (!awaitFor(fd, events, delivered, Integer.MAX_VALUE)) {
            // Slices until ready; awaitFor checks for interrupt and close between them.
        }
    }

    /**
     * Like {@link #await}, but gives up after {@code slices} wait slices and returns {@code false},
     * without counting a readiness wait: for a caller that parks elsewhere when a socket stays idle.
     */
    boolean awaitFor(int fd, short events, long delivered, int slices) throws IOException {
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, 4, events);
        for (int slice = 0; slice < slices; ) {
            guard.check();
            int ready = LibC.poll(pollFd, 1, WAIT_SLICE_MILLIS);
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
}
