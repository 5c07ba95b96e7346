package io.splice4j.internal.linux;

import io.splice4j.SpliceException;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Ownership of raw fds: every fd this library opens is closed when its arena closes. */
final class Fds {

    private Fds() {
    }

    /**
     * Makes {@code arena} close {@code fd} when it closes, on every exit path of the loop that owns it.
     *
     * @param arena the owning arena
     * @param fd an fd this library opened
     */
    @SuppressWarnings("restricted")
    static void closeWith(Arena arena, int fd) {
        MemorySegment.NULL.reinterpret(arena, ignored -> LibC.close(fd));
    }

    /**
     * Duplicates {@code fd} close-on-exec, so that a child process started meanwhile can't keep the
     * socket alive.
     *
     * @param fd an fd
     * @return the duplicate, not yet owned by any arena, or {@code -1} with errno set
     */
    static int duplicate(int fd) {
        return LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 0);
    }

    /**
     * Sets {@code O_NONBLOCK} on the open file description behind {@code fd}, which the channel's own
     * fd shares. The JDK tolerates that in blocking mode: its blocking reads and writes retry
     * {@code EAGAIN} after waiting, exactly as after a virtual thread has used the socket.
     *
     * @param fd an owned socket fd
     * @throws SpliceException if {@code fcntl} fails
     */
    static void setNonBlocking(int fd) throws SpliceException {
        int flags = LibC.fcntl(fd, LibC.F_GETFL, 0);
        if (flags < 0) {
            throw new SpliceException("fcntl(fd " + fd + ", F_GETFL)", Errno.name(LibC.errno()), 0);
        }
        if ((flags & LibC.O_NONBLOCK) == 0 && LibC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
            throw new SpliceException("fcntl(fd " + fd + ", F_SETFL)", Errno.name(LibC.errno()), 0);
        }
    }
}
