package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The system calls and {@code /proc} reads that look at this process's fds for the flag-free
 * matcher, with their scratch memory, counted so that a lookup's cost can be measured. Guarded by
 * the matcher's lock.
 */
final class FdProbe {

    private static final Path FD_DIR = Path.of("/proc/self/fd");
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private final MemorySegment address;
    private final MemorySegment length;
    private long calls;
    private long listings;

    /** A probe whose scratch memory {@code arena} holds. */
    FdProbe(Arena arena) {
        this.address = arena.allocate(LibC.SOCKADDR_STORAGE_SIZE);
        this.length = arena.allocate(JAVA_INT);
    }

    /** Whether this process can list its fds. */
    static boolean canList() {
        return Files.isReadable(FD_DIR);
    }

    /** System calls made on fds so far, {@code /proc/self/fd} links read included. */
    long calls() {
        return calls;
    }

    /** Listings of {@code /proc/self/fd} so far. */
    long listings() {
        return listings;
    }

    /** Lists {@code /proc/self/fd}: one entry per open number, named by it. */
    DirectoryStream<Path> list() throws IOException {
        listings++;
        return Files.newDirectoryStream(FD_DIR);
    }

    /** Reads what {@code fd} holds now; {@code link} is what its link said, if read. */
    FdSlot describe(int fd, long link) {
        length.set(JAVA_INT, 0, LibC.SOCKADDR_STORAGE_SIZE);
        calls++;
        if (LibC.getsockname(fd, address, length) < 0) {
            return LibC.errno() == Errno.EBADF ? FdSlot.FREE : FdSlot.open(-1, null, link);
        }
        int family = Short.toUnsignedInt(address.get(JAVA_SHORT, 0));
        if (family != AF_INET && family != AF_INET6) {
            return FdSlot.open(family, null, link);
        }
        InetSocketAddress local = inet();
        length.set(JAVA_INT, 0, LibC.SOCKADDR_STORAGE_SIZE);
        calls++;
        InetSocketAddress remote = LibC.getpeername(fd, address, length) < 0 ? null : inet();
        AddressPair addresses = local == null || remote == null ? null : new AddressPair(local, remote);
        return FdSlot.open(family, addresses, link);
    }

    private InetSocketAddress inet() {
        int family = Short.toUnsignedInt(address.get(JAVA_SHORT, 0));
        int port = Short.toUnsignedInt(address.get(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2));
        byte[] bytes;
        if (family == AF_INET) {
            bytes = address.asSlice(4, 4).toArray(JAVA_BYTE);
        } else if (family == AF_INET6) {
            bytes = address.asSlice(8, 16).toArray(JAVA_BYTE);
        } else {
            return null;
        }
        try {
            // Maps ::ffff:a.b.c.d to an Inet4Address, as the JDK reports a dual-stack socket's IPv4 peer.
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The socket's {@code SO_LINGER} seconds, {@code -1} if off, {@code -2} if unreadable. */
    int linger(int fd) {
        MemorySegment linger = address.asSlice(0, 8);
        length.set(JAVA_INT, 0, 8);
        calls++;
        if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_LINGER, linger, length) < 0) {
            return -2;
        }
        return linger.get(JAVA_INT, 0) == 0 ? -1 : linger.get(JAVA_INT, 4);
    }

    /**
     * Condenses a {@code /proc/self/fd} link: a socket's inode (exact, so a new socket at an old
     * number is always noticed), or a negative hash of any other link; {@code -1} if closed.
     */
    long link(Path entry) {
        calls++;
        String link;
        try {
            link = Files.readSymbolicLink(entry).toString();
        } catch (IOException e) {
            return -1;
        }
        if (link.startsWith("socket:[") && link.endsWith("]")) {
            try {
                return Long.parseLong(link, 8, link.length() - 1, 10);
            } catch (NumberFormatException e) {
                // Not a kernel-made link: treated like any other below.
            }
        }
        return Long.MIN_VALUE | (link.hashCode() & 0x7fff_ffffL);
    }
}
