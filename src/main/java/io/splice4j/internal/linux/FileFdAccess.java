package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import io.splice4j.linux.LibC;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a JDK {@link FileChannel} into a file descriptor a transfer loop owns: a close-on-exec
 * duplicate, closed with the loop's arena, for the same reason sockets get one (see {@link FdAccess}).
 *
 * <p>A duplicate of a file's fd has a catch sockets don't: on Linux, closing <em>any</em> fd of a
 * file releases every POSIX record lock the process holds on it, and the JDK's {@link FileLock}s are
 * such locks. So before duplicating, this class looks in {@code /proc/locks} and refuses
 * ({@link FallbackReason#FILE_LOCKED}) a file this JVM holds locks on; a lock taken while the
 * transfer runs is still released when it ends, which the public Javadoc says.
 */
public final class FileFdAccess {

    /** How the fd number is found. */
    public enum Kind {
        /** Reads the channel's {@code FileDescriptor}, allowed by {@code --add-opens java.base/sun.nio.ch}. */
        REFLECTIVE,
        /**
         * No flag: locks one byte far beyond any real data through the channel, and takes the fd whose
         * {@code /proc/self/fdinfo} lists that lock (the kernel lists a lock only under the open file
         * description it was taken through).
         */
        LOCK_MARKER
    }

    /** Marker locks sit at a random byte in [2^62, 2^62 + 2^40): far past any file's data. */
    private static final long MARK_BASE = 1L << 62;
    private static final long MARK_SPAN = 1L << 40;
    /** Markers taken before giving up when concurrent transfers of the file keep releasing them. */
    private static final int MARK_ATTEMPTS = 4;

    private static final String JDK_FILE_CHANNEL = "sun.nio.ch.FileChannelImpl";
    private static final Path FD_DIR = Path.of("/proc/self/fd");
    private static final System.Logger LOG = System.getLogger("io.splice4j");

    private final Kind kind;
    private final VarHandle fdField;
    private final MethodHandle fdVal;
    /** The last number each channel was found at (marker kind): a channel keeps its fd for life. */
    private final Map<FileChannel, Integer> lastSeen = Collections.synchronizedMap(new WeakHashMap<>());

    private FileFdAccess(Kind kind, VarHandle fdField, MethodHandle fdVal) {
        this.kind = kind;
        this.fdField = fdField;
        this.fdVal = fdVal;
    }

    /** Decided once, on first use. */
    private static final class Holder {
        static final Optional<FileFdAccess> ACCESS = discover();
    }

    /**
     * Returns this JVM's way to read file fds.
     *
     * @return the accessor, empty if zero-copy is off or no way works
     */
    public static Optional<FileFdAccess> current() {
        return ZeroCopySupport.status().available() ? Holder.ACCESS : Optional.empty();
    }

    /**
     * Returns how fd numbers are found.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Checks that a transfer between {@code file} and {@code socket} may splice, before anything is
     * read: the JDK's own channel classes, and a way to read the file's fd (the JVM's own support is
     * checked by the caller).
     *
     * @return the file fd accessor
     * @throws NotSpliceableException if it may not
     */
    static FileFdAccess checkPossible(FileChannel file, SocketChannel socket) throws NotSpliceableException {
        if (!isJdkFileChannel(file) || !FdAccess.isJdkSocketChannel(socket)) {
            throw new NotSpliceableException(FallbackReason.UNSUPPORTED_CHANNEL,
                    "a channel is not the JDK's own file or socket channel: " + file.getClass().getName() + ", "
                            + socket.getClass().getName());
        }
        return Holder.ACCESS.orElseThrow(() -> new NotSpliceableException(FallbackReason.NO_FD,
                "can't read file fds; add --add-opens java.base/sun.nio.ch=" + ZeroCopySupport.moduleFlagTarget()
                        + " to the java command"));
    }

    private static boolean isJdkFileChannel(FileChannel channel) {
        return channel.getClass().getName().equals(JDK_FILE_CHANNEL);
    }

    private static Optional<FileFdAccess> discover() {
        try {
            Class<?> impl = Class.forName(JDK_FILE_CHANNEL);
            if (impl.getModule().isOpen("sun.nio.ch", FileFdAccess.class.getModule())) {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(impl, MethodHandles.lookup());
                VarHandle field = lookup.findVarHandle(impl, "fd", FileDescriptor.class);
                MethodHandle value = lookup.findStatic(Class.forName("sun.nio.ch.IOUtil"), "fdVal",
                        MethodType.methodType(int.class, FileDescriptor.class));
                return Optional.of(new FileFdAccess(Kind.REFLECTIVE, field, value));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A JDK whose internals differ: the marker needs none of them.
        }
        if (!Files.isReadable(FD_DIR) || !Files.isReadable(Path.of("/proc/locks"))) {
            return Optional.empty();
        }
        LOG.log(Level.INFO, "splice4j: finding file fds with a marker lock and /proc/self/fdinfo; "
                + "add --add-opens java.base/sun.nio.ch={0} to read them directly", ZeroCopySupport.moduleFlagTarget());
        return Optional.of(new FileFdAccess(Kind.LOCK_MARKER, null, null));
    }

    /**
     * Returns a duplicate of the channel's fd that {@code arena} closes.
     *
     * @param channel an open JDK file channel with the access the transfer needs
     * @param writing whether the transfer writes the file (else it reads it)
     * @param arena the loop's arena
     * @return the owned fd
     * @throws AsynchronousCloseException if the channel was closed meanwhile
     * @throws NotSpliceableException if the fd can't be found, or this JVM holds locks on the file
     */
    int own(FileChannel channel, boolean writing, Arena arena) throws AsynchronousCloseException, NotSpliceableException {
        int owned = kind == Kind.REFLECTIVE ? duplicateReflective(channel) : duplicateMarked(channel, writing);
        Fds.closeWith(arena, owned);
        return owned;
    }

    private int duplicateReflective(FileChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        int fd;
        try {
            fd = (int) fdVal.invokeExact((FileDescriptor) fdField.get(channel));
        } catch (Throwable t) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "reading the channel's FileDescriptor failed: " + t);
        }
        if (fd < 0) {
            throw ChannelDuplicates.closedOr(channel, "the channel's FileDescriptor is not valid");
        }
        long inode;
        try {
            inode = (Long) Files.getAttribute(FD_DIR.resolve(Integer.toString(fd)), "unix:ino");
        } catch (IOException | RuntimeException e) {
            throw ChannelDuplicates.closedOr(channel, "can't stat /proc/self/fd/" + fd + ": " + e);
        }
        refuseIfLocked(ProcessHandle.current().pid(), null, inode);
        return ChannelDuplicates.proved(channel, fd);
    }

    private int duplicateMarked(FileChannel channel, boolean writing)
            throws AsynchronousCloseException, NotSpliceableException {
        // Another transfer of the same file that closes its duplicate meanwhile releases this
        // process's locks on the file, the marker among them: then mark again.
        for (int attempt = 1; ; attempt++) {
            int owned = duplicateMarkedOnce(channel, writing);
            if (owned >= 0) {
                return owned;
            }
            if (attempt == MARK_ATTEMPTS) {
                throw ChannelDuplicates.closedOr(channel, "the marker lock was released " + MARK_ATTEMPTS
                        + " times before its fd was duplicated (transfers of the same file ended meanwhile)");
            }
        }
    }

    /** Returns the owned duplicate, or {@code -1} if the marker lock vanished before it was made. */
    private int duplicateMarkedOnce(FileChannel channel, boolean writing)
            throws AsynchronousCloseException, NotSpliceableException {
        long mark = MARK_BASE + ThreadLocalRandom.current().nextLong(MARK_SPAN);
        FileLock marker = lockMarker(channel, mark, writing);
        try {
            Optional<Marked> marked = findMarked(channel, mark);
            if (marked.isEmpty()) {
                return -1;
            }
            int fd = marked.get().fd();
            PosixLocks.Lock lock = marked.get().lock();
            refuseIfLocked(lock.pid(), lock.device(), lock.inode());
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

    private static FileLock lockMarker(FileChannel channel, long mark, boolean writing)
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
            throw lockedByThisJvm();
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException();
        } catch (IOException e) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "can't mark the file with a lock: " + e);
        }
    }

    /** An fd that lists the marker lock, and that lock (its line names the file's device and inode). */
    private record Marked(int fd, PosixLocks.Lock lock) {
    }

    private Optional<Marked> findMarked(FileChannel channel, long mark) throws NotSpliceableException {
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

    /**
     * Refuses a file this process holds POSIX locks on (other than transfers' markers): closing the
     * duplicate would release them.
     *
     * @param device the file's device as {@code /proc/locks} prints it, or {@code null} to match any
     */
    private static void refuseIfLocked(long pid, String device, long inode) throws NotSpliceableException {
        List<PosixLocks.Lock> locks;
        try {
            locks = PosixLocks.all();
        } catch (IOException e) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "can't read /proc/locks: " + e);
        }
        for (PosixLocks.Lock lock : locks) {
            if (lock.type().equals("POSIX") && lock.pid() == pid && lock.inode() == inode
                    && (device == null || device.equals(lock.device())) && !isMarker(lock)) {
                throw lockedByThisJvm();
            }
        }
    }

    private static boolean isMarker(PosixLocks.Lock lock) {
        return lock.first() == lock.last() && lock.first() >= MARK_BASE && lock.first() - MARK_BASE < MARK_SPAN;
    }

    private static NotSpliceableException lockedByThisJvm() {
        return new NotSpliceableException(FallbackReason.FILE_LOCKED,
                "this JVM holds a lock on the file, which closing a duplicate of its fd would release");
    }
}
