package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * Duplicates a JDK file channel's fd without any JVM flag: locks one byte far past the file's data
 * through the channel, takes the fd whose {@code /proc/self/fdinfo} lists that lock (the kernel lists
 * a lock only under the open file description it was taken through), duplicates it, checks that the
 * duplicate lists the lock too, and unlocks. Safe to call from any thread.
 */
final class FileLockMarker {

    /** Markers taken before giving up when concurrent transfers of the file keep releasing them. */
    private static final int ATTEMPTS = 4;
    private static final Path FD_DIR = Path.of("/proc/self/fd");

    /** The last number each channel was found at: a channel keeps its fd for life. */
    private final Map<FileChannel, Integer> lastSeen = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Returns a close-on-exec duplicate of the channel's fd, not yet owned by any arena.
     *
     * @param writing whether the transfer writes the file (else it reads it)
     * @throws AsynchronousCloseException if the channel was closed meanwhile
     * @throws NotSpliceableException if the fd can't be found, or this JVM holds locks on the file
     */
    int duplicate(FileChannel channel, boolean writing) throws AsynchronousCloseException, NotSpliceableException {
        // Another transfer of the same file that closes its duplicate meanwhile releases this
        // process's locks on the file, the marker among them: then mark again.
        for (int attempt = 1; ; attempt++) {
            int owned = duplicateOnce(channel, writing);
            if (owned >= 0) {
                return owned;
            }
            if (attempt == ATTEMPTS) {
                throw ChannelDuplicates.closedOr(channel, "the marker lock was released " + ATTEMPTS
                        + " times before its fd was duplicated (transfers of the same file ended meanwhile)");
            }
        }
    }

    /** Returns the duplicate, or {@code -1} if the marker lock vanished before it was made. */
    private int duplicateOnce(FileChannel channel, boolean writing)
            throws AsynchronousCloseException, NotSpliceableException {
        long mark = HeldLocks.randomMarkerByte();
        FileLock marker = lock(channel, mark, writing);
        try {
            Optional<Marked> marked = find(channel, mark);
            if (marked.isEmpty()) {
                return -1;
            }
            int fd = marked.get().fd();
            PosixLocks.Lock lock = marked.get().lock();
            HeldLocks.refuseIfAny(lock.pid(), lock.device(), lock.inode());
            int owned = ChannelDuplicates.unproved(channel, fd);
            // The duplicate shares the open file description, so it lists the marker too; if it doesn't,
            // the number was closed and reused between the look and the dup, or the marker vanished.
            if (markerThrough(owned, mark).isEmpty()) {
                LibC.close(owned);
                return -1;
            }
            lastSeen.put(channel, fd);
            return owned;
        } finally {
            try {
                marker.release();
            } catch (IOException ignored) {
                // Closed meanwhile: closing released it.
            }
        }
    }

    private static FileLock lock(FileChannel channel, long mark, boolean writing)
            throws AsynchronousCloseException, NotSpliceableException {
        try {
            // Shared needs read access, exclusive write access: the access the transfer itself needs.
            FileLock marker = channel.tryLock(mark, 1, !writing);
            if (marker == null) {
                throw new NotSpliceableException(FallbackReason.NO_FD,
                        "another process holds a lock at byte " + mark + ", where the fd is marked");
            }
            return marker;
        } catch (OverlappingFileLockException e) {
            throw HeldLocks.refusal();
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException();
        } catch (IOException e) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "can't mark the file with a lock: " + e);
        }
    }

    /** An fd that lists the marker lock, and that lock (its line names the file's device and inode). */
    private record Marked(int fd, PosixLocks.Lock lock) {
    }

    private Optional<Marked> find(FileChannel channel, long mark) throws NotSpliceableException {
        Integer cached = lastSeen.get(channel);
        if (cached != null) {
            Optional<PosixLocks.Lock> lock = markerThrough(cached, mark);
            if (lock.isPresent()) {
                return Optional.of(new Marked(cached, lock.get()));
            }
        }
        for (int fd : fileFds()) {
            Optional<PosixLocks.Lock> lock = markerThrough(fd, mark);
            if (lock.isPresent()) {
                return Optional.of(new Marked(fd, lock.get()));
            }
        }
        return Optional.empty();
    }

    private static Optional<PosixLocks.Lock> markerThrough(int fd, long mark) {
        return PosixLocks.takenThrough(fd).stream().filter(lock -> lock.first() == mark && lock.last() == mark)
                .findFirst();
    }

    /** The fds that name a path: files, devices, FIFOs; not sockets, pipes or anonymous inodes. */
    private static List<Integer> fileFds() throws NotSpliceableException {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FD_DIR)) {
            for (Path entry : entries) {
                try {
                    if (Files.readSymbolicLink(entry).toString().startsWith("/")) {
                        fds.add(Integer.parseInt(entry.getFileName().toString()));
                    }
                } catch (IOException | NumberFormatException e) {
                    // Closed since the listing: not the channel's, which is held open by its lock.
                }
            }
        } catch (IOException e) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "can't list /proc/self/fd: " + e);
        }
        return fds;
    }
}
