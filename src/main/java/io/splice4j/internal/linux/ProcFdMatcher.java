package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.splice4j.FallbackReason;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Finds a JDK socket channel's fd without any JVM flag, among the numbers open in this process.
 *
 * <p>Which number is the channel's: for TCP, the one whose socket has the channel's local and peer
 * addresses, a pair unique among connected sockets of a network namespace. Unix-domain addresses
 * are not unique (every socket accepted from one listener reports its path, and peers are
 * unnamed), so a lookup marks the channel instead, through its public API: a random
 * {@code SO_LINGER} time, which a Unix socket stores but never acts on (closing one never lingers),
 * and takes the number whose socket reports it. Only one lookup runs at a time, so only one marker
 * is ever out, and it is restored before the next lookup starts.
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

    private static final Path FD_DIR = Path.of("/proc/self/fd");
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    /** {@code SO_LINGER} seconds the JDK accepts: markers are drawn from 1 to this. */
    private static final int MAX_LINGER = 65_535;

    /** Lookups run one at a time: one Unix marker out at most, and a later lookup reuses the table. */
    private final ReentrantLock lock = new ReentrantLock();
    private final FdTable table = new FdTable();
    private final Probe probe = new Probe(Arena.ofAuto());

    /** Whether this process can list its fds, which the last resort of a lookup needs. */
    static boolean available() {
        return Files.isReadable(FD_DIR);
    }

    /**
     * Returns the channel's own fd number: for channels whose fd can't be reused meanwhile
     * (registered with a selector). Safe to call from any thread.
     */
    int find(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        lock.lock();
        try {
            int known = table.numberOf(channel);
            return known >= 0 ? known : locate(channel);
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
            int known = table.numberOf(channel);
            int owned = ChannelDuplicates.proved(channel, known >= 0 ? known : locate(channel));
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

    /** System calls made on fds so far, and listings of {@code /proc/self/fd}: for tests. */
    long[] cost() {
        lock.lock();
        try {
            return new long[] {probe.calls, table.listings};
        } finally {
            lock.unlock();
        }
    }

    /** Finds the channel's own number and records it. */
    private int locate(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        try (Identity identity = Identity.of(channel, probe)) {
            int found = search(identity);
            if (found >= 0) {
                table.channelAt(found, channel);
                return found;
            }
            if (!channel.isOpen()) {
                throw new AsynchronousCloseException();
            }
            throw notFound("no fd in /proc/self/fd is the socket of " + identity);
        }
    }

    /**
     * Looks at numbers from the likeliest to the least likely, as the class comment explains.
     *
     * @return the channel's number, or {@code -1}
     */
    private int search(Identity identity) throws AsynchronousCloseException, NotSpliceableException {
        int hint = identity.hint(table);
        if (hint >= 0 && tryNumber(hint, identity)) {
            return hint;
        }
        for (int fd = table.highest() + 1; ; fd++) {
            Slot slot = probe.describe(fd, -1);
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
    private int rescan(Identity identity) throws AsynchronousCloseException, NotSpliceableException {
        BitSet listed = new BitSet();
        BitSet duplicates = new BitSet();
        Map<Integer, Long> changed = new HashMap<>();
        table.listings++;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FD_DIR)) {
            for (Path entry : entries) {
                int fd;
                try {
                    fd = Integer.parseInt(entry.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                listed.set(fd);
                Slot slot = table.get(fd);
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
            throw notFound("can't list /proc/self/fd: " + e);
        }
        table.keepOnly(listed);
        for (Map.Entry<Integer, Long> entry : changed.entrySet()) {
            int fd = entry.getKey();
            Slot slot = probe.describe(fd, entry.getValue());
            table.put(fd, slot);
            if (isChannels(fd, slot, identity)) {
                return fd;
            }
        }
        // A duplicate closed other than through closeWith would leave its number marked taken for
        // good: looked at here, such a number can still be found. A live duplicate is of a channel
        // already known, which no lookup is for, so it never matches.
        for (int fd = duplicates.nextSetBit(0); fd >= 0; fd = duplicates.nextSetBit(fd + 1)) {
            Slot slot = probe.describe(fd, -1);
            if (isChannels(fd, slot, identity)) {
                table.put(fd, slot);
                return fd;
            }
        }
        return -1;
    }

    private boolean tryNumber(int fd, Identity identity) throws AsynchronousCloseException, NotSpliceableException {
        Slot slot = probe.describe(fd, -1);
        table.put(fd, slot);
        return isChannels(fd, slot, identity);
    }

    /** Whether {@code fd}, just described as {@code slot}, is the channel's own number (class comment). */
    private static boolean isChannels(int fd, Slot slot, Identity identity)
            throws AsynchronousCloseException, NotSpliceableException {
        return identity.matches(fd, slot) && identity.confirms(fd) && identity.channel().isOpen();
    }

    /** The channel's fd can't be found this way: the message names the flag that reads it directly. */
    static NotSpliceableException notFound(String why) {
        return new NotSpliceableException(FallbackReason.NO_FD, why + "; add --add-exports java.base/sun.nio.ch="
                + ZeroCopySupport.moduleFlagTarget() + " to the java command to read it directly");
    }

    /** What a number held when last looked at. */
    enum State {
        /** Not open. */
        FREE,
        /** Open, not known to be a channel's own fd. */
        OPEN,
        /** A channel's own fd: stays so while the channel is open. */
        CHANNEL,
        /** A duplicate this class made, until {@link #closeWith}'s action closes it. */
        DUPLICATE
    }

    /**
     * One number's record.
     *
     * @param family the socket's address family, {@code -1} if not a socket
     * @param addresses a connected TCP socket's addresses, else {@code null}
     * @param link what its {@code /proc/self/fd} link said ({@link Probe#link}), {@code -1} if not read
     * @param owner the channel, for {@link State#CHANNEL}
     */
    record Slot(State state, int family, Addresses addresses, long link, WeakReference<SocketChannel> owner) {

        static final Slot FREE = new Slot(State.FREE, -1, null, -1, null);
        static final Slot DUPLICATE = new Slot(State.DUPLICATE, -1, null, -1, null);

        /** Whether the number is certainly not free for a new socket now. */
        boolean taken() {
            if (state == State.DUPLICATE) {
                return true;
            }
            SocketChannel channel = state == State.CHANNEL ? owner.get() : null;
            return channel != null && channel.isOpen();
        }
    }

    /** A connected TCP socket's local and peer addresses. */
    record Addresses(InetSocketAddress local, InetSocketAddress remote) {
        @Override
        public String toString() {
            return local + " -> " + remote;
        }
    }

    /** What this process's fd numbers held when last looked at. Guarded by the matcher's lock. */
    static final class FdTable {
        private Slot[] slots = new Slot[64];
        private int highest = -1;
        private final Map<Addresses, Integer> byAddresses = new HashMap<>();
        private final Map<SocketChannel, Integer> byChannel = new WeakHashMap<>();
        long listings;

        int highest() {
            return highest;
        }

        Slot get(int fd) {
            return fd < slots.length ? slots[fd] : null;
        }

        void put(int fd, Slot slot) {
            if (fd >= slots.length) {
                slots = Arrays.copyOf(slots, Math.max(fd + 1, slots.length * 2));
            }
            Slot old = slots[fd];
            if (old != null && old.addresses() != null) {
                byAddresses.remove(old.addresses(), fd);
            }
            slots[fd] = slot;
            if (slot.addresses() != null) {
                byAddresses.put(slot.addresses(), fd);
            }
            if (slot.state() != State.FREE) {
                highest = Math.max(highest, fd);
            } else if (fd == highest) {
                while (highest >= 0 && (slots[highest] == null || slots[highest].state() == State.FREE)) {
                    highest--;
                }
            }
        }

        /** The number a still-open channel was found at, or {@code -1}. */
        int numberOf(SocketChannel channel) {
            Integer fd = byChannel.get(channel);
            if (fd == null) {
                return -1;
            }
            Slot slot = get(fd);
            if (slot != null && slot.state() == State.CHANNEL && slot.owner().get() == channel && channel.isOpen()) {
                return fd;
            }
            byChannel.remove(channel);
            return -1;
        }

        /** The number last seen holding a socket with these addresses, or {@code -1}. */
        int numberOf(Addresses addresses) {
            return byAddresses.getOrDefault(addresses, -1);
        }

        void channelAt(int fd, SocketChannel channel) {
            Slot old = get(fd);
            put(fd, new Slot(State.CHANNEL, old == null ? -1 : old.family(), null, -1, new WeakReference<>(channel)));
            byChannel.put(channel, fd);
        }

        void duplicated(int fd) {
            put(fd, Slot.DUPLICATE);
        }

        void released(int fd) {
            put(fd, Slot.FREE);
        }

        boolean taken(int fd) {
            Slot slot = get(fd);
            return slot != null && slot.taken();
        }

        long link(int fd) {
            Slot slot = get(fd);
            return slot == null ? -1 : slot.link();
        }

        /**
         * Whether a number below the highest may hold a socket not looked at yet: free or unknown
         * before, a closed channel's, or (for a marker, which the table can't remember) any Unix
         * socket not taken.
         */
        boolean mayHold(int fd, boolean unix) {
            Slot slot = get(fd);
            if (slot == null || slot.state() == State.FREE) {
                return true;
            }
            if (slot.taken()) {
                return false;
            }
            return slot.state() == State.CHANNEL || unix && slot.family() == AF_UNIX;
        }

        /** Forgets numbers a listing no longer shows. */
        void keepOnly(BitSet listed) {
            for (int fd = 0; fd <= highest; fd++) {
                if (!listed.get(fd) && slots[fd] != null && slots[fd].state() != State.FREE && !slots[fd].taken()) {
                    put(fd, Slot.FREE);
                }
            }
        }
    }

    /** Scratch memory and the system calls that look at one number. Guarded by the matcher's lock. */
    static final class Probe {
        private final MemorySegment address;
        private final MemorySegment length;
        long calls;

        Probe(Arena arena) {
            this.address = arena.allocate(LibC.SOCKADDR_STORAGE_SIZE);
            this.length = arena.allocate(JAVA_INT);
        }

        /** Reads what {@code fd} holds now; {@code link} is what its link said, if read. */
        Slot describe(int fd, long link) {
            length.set(JAVA_INT, 0, LibC.SOCKADDR_STORAGE_SIZE);
            calls++;
            if (LibC.getsockname(fd, address, length) < 0) {
                return LibC.errno() == Errno.EBADF ? Slot.FREE : new Slot(State.OPEN, -1, null, link, null);
            }
            int family = Short.toUnsignedInt(address.get(JAVA_SHORT, 0));
            if (family != AF_INET && family != AF_INET6) {
                return new Slot(State.OPEN, family, null, link, null);
            }
            InetSocketAddress local = inet();
            length.set(JAVA_INT, 0, LibC.SOCKADDR_STORAGE_SIZE);
            calls++;
            InetSocketAddress remote = LibC.getpeername(fd, address, length) < 0 ? null : inet();
            Addresses addresses = local == null || remote == null ? null : new Addresses(local, remote);
            return new Slot(State.OPEN, family, addresses, link, null);
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

    /** How one channel's socket is recognised, and what recognising it changed (restored on close). */
    abstract static sealed class Identity implements AutoCloseable permits TcpIdentity, UnixIdentity {
        final SocketChannel channel;
        final Probe probe;

        Identity(SocketChannel channel, Probe probe) {
            this.channel = channel;
            this.probe = probe;
        }

        /** The identity fitting the channel's kind; a Unix channel is marked from here until {@link #close}. */
        static Identity of(SocketChannel channel, Probe probe)
                throws AsynchronousCloseException, NotSpliceableException {
            SocketAddress local;
            SocketAddress remote;
            try {
                local = channel.getLocalAddress();
                remote = channel.getRemoteAddress();
            } catch (ClosedChannelException e) {
                throw new AsynchronousCloseException();
            } catch (IOException e) {
                throw notFound("can't read the channel's addresses: " + e);
            }
            if (local instanceof InetSocketAddress l && remote instanceof InetSocketAddress r) {
                return new TcpIdentity(channel, probe, new Addresses(l, r));
            }
            if (local instanceof UnixDomainSocketAddress && remote instanceof UnixDomainSocketAddress) {
                return new UnixIdentity(channel, probe);
            }
            throw notFound("/proc/self/fd can't tell which fd is a socket with addresses " + local + " -> " + remote);
        }

        SocketChannel channel() {
            return channel;
        }

        /** Whether only Unix sockets can match, which the table must offer again each lookup. */
        abstract boolean unix();

        /** A number to try first, or {@code -1}. */
        abstract int hint(FdTable table);

        /** Whether {@code fd}, just described as {@code slot}, looks like the channel's socket. */
        abstract boolean matches(int fd, Slot slot);

        /** Whether a matching number is the channel's socket for certain, if the channel is open after. */
        abstract boolean confirms(int fd) throws AsynchronousCloseException, NotSpliceableException;

        @Override
        public void close() {
        }
    }

    /** A TCP socket: its address pair is unique. */
    static final class TcpIdentity extends Identity {
        private final Addresses addresses;

        TcpIdentity(SocketChannel channel, Probe probe, Addresses addresses) {
            super(channel, probe);
            this.addresses = addresses;
        }

        @Override
        boolean unix() {
            return false;
        }

        @Override
        int hint(FdTable table) {
            return table.numberOf(addresses);
        }

        @Override
        boolean matches(int fd, Slot slot) {
            return addresses.equals(slot.addresses());
        }

        @Override
        boolean confirms(int fd) {
            // Only one connected socket can have this address pair, and the channel's has it.
            return true;
        }

        @Override
        public String toString() {
            return "TCP " + addresses;
        }
    }

    /** A Unix-domain socket, recognised by a marker set through the channel (see the class comment). */
    static final class UnixIdentity extends Identity {
        private final int original;
        private int marker;

        UnixIdentity(SocketChannel channel, Probe probe) throws AsynchronousCloseException, NotSpliceableException {
            super(channel, probe);
            try {
                original = channel.getOption(StandardSocketOptions.SO_LINGER);
            } catch (ClosedChannelException e) {
                throw new AsynchronousCloseException();
            } catch (IOException e) {
                throw notFound("can't read the channel's SO_LINGER: " + e);
            }
            mark();
        }

        private void mark() throws AsynchronousCloseException, NotSpliceableException {
            int next;
            do {
                next = 1 + ThreadLocalRandom.current().nextInt(MAX_LINGER);
            } while (next == original || next == marker);
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, next);
            } catch (ClosedChannelException e) {
                throw new AsynchronousCloseException();
            } catch (IOException e) {
                throw notFound("can't mark the channel with SO_LINGER: " + e);
            }
            marker = next;
        }

        @Override
        boolean unix() {
            return true;
        }

        @Override
        int hint(FdTable table) {
            return -1;
        }

        @Override
        boolean matches(int fd, Slot slot) {
            return slot.family() == AF_UNIX && probe.linger(fd) == marker;
        }

        @Override
        boolean confirms(int fd) throws AsynchronousCloseException, NotSpliceableException {
            // A socket that happened to carry the same linger time can't follow a change made
            // through the channel; the channel's own socket does.
            mark();
            return probe.linger(fd) == marker;
        }

        @Override
        public void close() {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, original);
            } catch (IOException e) {
                // Closed meanwhile: the socket and its setting are gone.
            }
        }

        @Override
        public String toString() {
            return "Unix-domain socket " + channel;
        }
    }
}
