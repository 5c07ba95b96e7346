package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Turns a JDK {@link FileChannel} into a file descriptor a transfer loop owns: a close-on-exec
 * duplicate, closed with the loop's arena, for the same reason sockets get one (see {@link FdAccess}).
 *
 * <p>A duplicate of a file's fd has a catch sockets don't: closing it releases every POSIX record
 * lock the process holds on the file. So before duplicating, it refuses ({@link HeldLocks},
 * {@link FallbackReason#FILE_LOCKED}) a file this JVM holds locks on; a lock taken while the transfer
 * runs is still released when it ends, which the public Javadoc says.
 */
public final class FileFdAccess {

    /** How the fd number is found. */
    public enum Kind {
        /** Reads the channel's {@code FileDescriptor}, allowed by {@code --add-opens java.base/sun.nio.ch}. */
        REFLECTIVE,
        /**
         * No flag: locks one byte far beyond any real data through the channel, and takes the fd whose
         * {@code /proc/self/fdinfo} lists that lock ({@link FileLockMarker}).
         */
        LOCK_MARKER
    }

    private static final String JDK_FILE_CHANNEL = "sun.nio.ch.FileChannelImpl";
    private static final Path FD_DIR = Path.of("/proc/self/fd");
    private static final System.Logger LOG = System.getLogger("io.splice4j");

    private final Kind kind;
    private final VarHandle fdField;
    private final MethodHandle fdVal;
    private final FileLockMarker marker;

    private FileFdAccess(Kind kind, VarHandle fdField, MethodHandle fdVal, FileLockMarker marker) {
        this.kind = kind;
        this.fdField = fdField;
        this.fdVal = fdVal;
        this.marker = marker;
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
                return Optional.of(new FileFdAccess(Kind.REFLECTIVE, field, value, null));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A JDK whose internals differ: the marker needs none of them.
        }
        if (!Files.isReadable(FD_DIR) || !Files.isReadable(Path.of("/proc/locks"))) {
            return Optional.empty();
        }
        LOG.log(Level.INFO, "splice4j: finding file fds with a marker lock and /proc/self/fdinfo; "
                + "add --add-opens java.base/sun.nio.ch={0} to read them directly", ZeroCopySupport.moduleFlagTarget());
        return Optional.of(new FileFdAccess(Kind.LOCK_MARKER, null, null, new FileLockMarker()));
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
        int owned = kind == Kind.REFLECTIVE ? duplicateReflective(channel) : marker.duplicate(channel, writing);
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
        HeldLocks.refuseIfAny(ProcessHandle.current().pid(), null, inode);
        return ChannelDuplicates.proved(channel, fd);
    }
}
