package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.splice4j.FallbackReason;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A kernel pipe between the drain and the pump, with the count of bytes sitting in it. Its fds
 * belong to the arena it was opened in.
 */
final class Pipe {

    private static final int PIPE_MAX_SIZE = readPipeMaxSize();

    final int readFd;
    final int writeFd;
    final int capacity;
    long buffered;

    private Pipe(int readFd, int writeFd, int capacity) {
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.capacity = capacity;
    }

    /**
     * Opens a non-blocking pipe whose fds {@code arena} closes, and asks for {@code wanted} bytes of
     * capacity (see {@link #openUnowned}).
     */
    static Pipe open(Arena arena, int wanted) throws NotSpliceableException {
        Pipe pipe = openUnowned(wanted);
        Fds.closeWith(arena, pipe.readFd);
        Fds.closeWith(arena, pipe.writeFd);
        return pipe;
    }

    /**
     * Opens a non-blocking pipe that the caller must {@link #close()}. If {@code wanted} is positive
     * it asks for that capacity and keeps whatever the kernel grants: above {@code pipe-max-size} or
     * past the user's {@code pipe-user-pages-soft} the resize fails with {@code EPERM} (and past the
     * soft limit new pipes hold just two pages), and the smaller pipe still works.
     */
    static Pipe openUnowned(int wanted) throws NotSpliceableException {
        int readFd;
        int writeFd;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment fds = scratch.allocate(JAVA_INT, 2);
            if (LibC.pipe2(fds, LibC.O_NONBLOCK | LibC.O_CLOEXEC) < 0) {
                throw new NotSpliceableException(FallbackReason.NO_PIPE, "pipe2: " + Errno.name(LibC.errno()));
            }
            readFd = fds.getAtIndex(JAVA_INT, 0);
            writeFd = fds.getAtIndex(JAVA_INT, 1);
        }
        int capacity = LibC.fcntl(writeFd, LibC.F_GETPIPE_SZ, 0);
        if (wanted > 0 && capacity != wanted) {
            int granted = LibC.fcntl(writeFd, LibC.F_SETPIPE_SZ, wanted);
            if (granted < 0 && wanted > PIPE_MAX_SIZE) {
                granted = LibC.fcntl(writeFd, LibC.F_SETPIPE_SZ, PIPE_MAX_SIZE);
            }
            if (granted > 0) {
                capacity = granted;
            }
        }
        // F_GETPIPE_SZ can't really fail on a pipe; one page is what any pipe holds.
        return new Pipe(readFd, writeFd, capacity > 0 ? capacity : 4096);
    }

    /** Closes both ends; whatever the pipe still holds is lost. */
    void close() {
        LibC.close(readFd);
        LibC.close(writeFd);
    }

    private static int readPipeMaxSize() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys/fs/pipe-max-size")).strip());
        } catch (IOException | NumberFormatException | SecurityException e) {
            return 1 << 20;
        }
    }
}
