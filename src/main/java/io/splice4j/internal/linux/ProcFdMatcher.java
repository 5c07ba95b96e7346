package io.splice4j.internal.linux;

import io.splice4j.internal.linux.FdSlot.State;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Finds a JDK socket channel's fd without any JVM flag, among the numbers open in this process.
 *
 * <p>Which number is the channel's: for TCP, the one whose socket has the channel's local and peer
 * addresses, a pair unique among connected sockets of a network namespace ({@link TcpIdentity}).
 * Unix-domain addresses are not unique, so a lookup marks the channel instead, through its public
 * API, and takes the number whose socket reports the marker ({@link UnixIdentity}). Only one lookup
 * runs at a time, so only one marker is ever out, and it is restored before the next lookup starts.
 *
 * <p>A hit is the channel's own number if the channel is still open after it: an open channel was
 * never closed, so its socket still holds the number it held at the look. For TCP that suffices,
 * since no other socket can have its address pair while it is connected; a Unix hit is marked again
 * first, as only a socket following the channel's own setting can show a second random marker. A
 * channel keeps its number while open, so later lookups of a known channel need no system call, and
 * a duplicate made afterwards is the channel's socket if the channel is still open after the
 * {@code dup}.
 *
 * <p>Where to look: a {@link FdTable} remembers what each number held when last looked at. New fds
 * take the lowest free numbers, so a fresh channel is nearly always just above the highest number
 * seen open, or in a gap below it; numbers held by open channels or by this class's own duplicates
 * are skipped; only when all that fails is {@code /proc/self/fd} listed, and then only numbers whose
 * {@code socket:[inode]} link differs from the table are examined. Starting n transfers one after
 * another therefore costs O(n) system calls in all, not a scan of every fd each.
 */
final class ProcFdMatcher {

    /** Lookups run one at a time: one Unix marker out at most, and a later lookup reuses the table. */
    private final ReentrantLock lock = new ReentrantLock();
    private final FdTable table = new FdTable();
    private final FdProbe probe;

    /** A matcher with a probe of its own. */
    ProcFdMatcher() {
        this(new FdProbe(Arena.ofAuto()));
    }

    /** A matcher that looks through {@code probe}, whose counts then tell what its lookups cost. */
    ProcFdMatcher(FdProbe probe) {
        this.probe = probe;
    }

    /** Whether this process can list its fds, which the last resort of a lookup needs. */
    static boolean available() {
        return FdProbe.canList();
    }

    /**
     * Returns the channel's own fd number: for channels whose fd can't be reused meanwhile
     * (registered with a selector). Safe to call from any thread.
     */
    int find(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        lock.lock();
        try {
            return numberOf(channel);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns a close-on-exec duplicate of the channel's fd, which only {@link #closeWith} may close:
     * the table counts its number as taken until then.
     */
    int duplicate(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        lock.lock();
        try {
            int owned = ChannelDuplicates.proved(channel, numberOf(channel));
            table.duplicated(owned);
            return owned;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes {@code arena} close a duplicate from {@link #duplicate}, marking its number free in the
     * same step, so no lookup sees it taken once it can be reused.
     */
    @SuppressWarnings("restricted")
    void closeWith(Arena arena, int duplicate) {
        MemorySegment.NULL.reinterpret(arena, ignored -> release(duplicate));
    }

    private void release(int duplicate) {
        lock.lock();
        try {
            table.released(duplicate);
        } finally {
            LibC.close(duplicate);
            lock.unlock();
        }
    }

    /** The channel's number, from the table if known there, else found. Holds the lock. */
    private int numberOf(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        int known = table.numberOf(channel);
        return known >= 0 ? known : locate(channel);
    }

    /** Finds the channel's own number and records it. */
    private int locate(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        try (SocketIdentity identity = identify(channel)) {
            int found = search(identity);
            if (found >= 0) {
                table.channelAt(found, channel);
                return found;
            }
            if (!channel.isOpen()) {
                throw new AsynchronousCloseException();
            }
            throw FdNotFound.because("no fd in /proc/self/fd is the socket of " + identity);
        }
    }

    /** The identity fitting the channel's kind; a Unix channel is marked from here until it closes. */
    private SocketIdentity identify(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        SocketAddress local;
        SocketAddress remote;
        try {
            local = channel.getLocalAddress();
            remote = channel.getRemoteAddress();
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException();
        } catch (IOException e) {
            throw FdNotFound.because("can't read the channel's addresses: " + e);
        }
        if (local instanceof InetSocketAddress l && remote instanceof InetSocketAddress r) {
            return new TcpIdentity(channel, new AddressPair(l, r));
        }
        if (local instanceof UnixDomainSocketAddress && remote instanceof UnixDomainSocketAddress) {
            return new UnixIdentity(channel, probe);
        }
        throw FdNotFound.because("/proc/self/fd can't tell which fd is a socket with addresses " + local + " -> "
                + remote);
    }

    /**
     * Looks at numbers from the likeliest to the least likely, as the class comment explains.
     *
     * @return the channel's number, or {@code -1}
     */
    private int search(SocketIdentity identity) throws AsynchronousCloseException, NotSpliceableException {
        int hint = identity.hint(table);
        if (hint >= 0 && tryNumber(hint, identity)) {
            return hint;
        }
        for (int fd = table.highest() + 1; ; fd++) {
            FdSlot slot = probe.describe(fd, -1);
            table.put(fd, slot);
            if (slot.state() == State.FREE) {
                break;
            }
            if (isChannels(fd, slot, identity)) {
                return fd;
            }
        }
        for (int fd = 0; fd <= table.highest(); fd++) {
            if (table.mayHold(fd, identity.unix()) && tryNumber(fd, identity)) {
                return fd;
            }
        }
        return rescan(identity);
    }

    /** Lists {@code /proc/self/fd} and looks at every number the table has no current record of. */
    private int rescan(SocketIdentity identity) throws AsynchronousCloseException, NotSpliceableException {
        BitSet listed = new BitSet();
        BitSet duplicates = new BitSet();
        Map<Integer, Long> changed = new HashMap<>();
        try (DirectoryStream<Path> entries = probe.list()) {
            for (Path entry : entries) {
                int fd;
                try {
                    fd = Integer.parseInt(entry.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                listed.set(fd);
                FdSlot slot = table.get(fd);
                if (slot != null && slot.state() == State.DUPLICATE) {
                    duplicates.set(fd);
                    continue;
                }
                if (table.taken(fd)) {
                    continue;
                }
                long link = probe.link(entry);
                if (link == -1 || link != table.link(fd)) {
                    changed.put(fd, link);
                }
            }
        } catch (IOException e) {
            throw FdNotFound.because("can't list /proc/self/fd: " + e);
        }
        table.keepOnly(listed);
        for (Map.Entry<Integer, Long> entry : changed.entrySet()) {
            int fd = entry.getKey();
            FdSlot slot = probe.describe(fd, entry.getValue());
            table.put(fd, slot);
            if (isChannels(fd, slot, identity)) {
                return fd;
            }
        }
        // A duplicate closed other than through closeWith would leave its number marked taken for
        // good: looked at here, such a number can still be found. A live duplicate is of a channel
        // already known, which no lookup is for, so it never matches.
        for (int fd = duplicates.nextSetBit(0); fd >= 0; fd = duplicates.nextSetBit(fd + 1)) {
            FdSlot slot = probe.describe(fd, -1);
            if (isChannels(fd, slot, identity)) {
                table.put(fd, slot);
                return fd;
            }
        }
        return -1;
    }

    private boolean tryNumber(int fd, SocketIdentity identity)
            throws AsynchronousCloseException, NotSpliceableException {
        FdSlot slot = probe.describe(fd, -1);
        table.put(fd, slot);
        return isChannels(fd, slot, identity);
    }

    /** Whether {@code fd}, just described as {@code slot}, is the channel's own number (class comment). */
    private static boolean isChannels(int fd, FdSlot slot, SocketIdentity identity)
            throws AsynchronousCloseException, NotSpliceableException {
        return identity.matches(fd, slot) && identity.confirms(fd) && identity.channel().isOpen();
    }
}
