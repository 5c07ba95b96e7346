package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The POSIX record locks this JVM holds on a file, which no transfer may duplicate the file's fd
 * under: on Linux, closing <em>any</em> fd of a file releases every such lock the process holds on
 * it, and the JDK's {@link FileLock}s are such locks. Transfers' own marker locks, at one byte in
 * [2^62, 2^62 + 2^40) (far past any file's data), are told apart and don't count.
 */
final class HeldLocks {

    private static final long MARKER_BASE = 1L << 62;
    private static final long MARKER_SPAN = 1L << 40;

    private HeldLocks() {
    }

    /** A random byte in the markers' range, for a transfer to lock. */
    static long randomMarkerByte() {
        return MARKER_BASE + ThreadLocalRandom.current().nextLong(MARKER_SPAN);
    }

    /**
     * Refuses a file this process holds POSIX locks on (other than transfers' markers): closing the
     * duplicate would release them.
     *
     * @param device the file's device as {@code /proc/locks} prints it, or {@code null} to match any
     * @throws NotSpliceableException {@link FallbackReason#FILE_LOCKED} if it holds any, or
     *     {@link FallbackReason#NO_FD} if {@code /proc/locks} can't be read
     */
    static void refuseIfAny(long pid, String device, long inode) throws NotSpliceableException {
        List<PosixLocks.Lock> locks;
        try {
            locks = PosixLocks.all();
        } catch (IOException e) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "can't read /proc/locks: " + e);
        }
        for (PosixLocks.Lock lock : locks) {
            if (lock.type().equals("POSIX") && lock.pid() == pid && lock.inode() == inode
                    && (device == null || device.equals(lock.device())) && !isMarker(lock)) {
                throw refusal();
            }
        }
    }

    /** The refusal ({@link FallbackReason#FILE_LOCKED}) of a file this JVM holds a lock on. */
    static NotSpliceableException refusal() {
        return new NotSpliceableException(FallbackReason.FILE_LOCKED,
                "this JVM holds a lock on the file, which closing a duplicate of its fd would release");
    }

    private static boolean isMarker(PosixLocks.Lock lock) {
        return lock.first() == lock.last() && lock.first() >= MARKER_BASE && lock.first() - MARKER_BASE < MARKER_SPAN;
    }
}
