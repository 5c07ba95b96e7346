package io.splice4j.internal.linux;

import io.splice4j.internal.linux.FdSlot.State;
import java.lang.ref.WeakReference;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What this process's fd numbers held when the flag-free matcher last looked at them, so that a
 * lookup looks again only where something may have changed. Guarded by the matcher's lock.
 */
final class FdTable {

    private FdSlot[] slots = new FdSlot[64];
    private int highest = -1;
    private final Map<AddressPair, Integer> byAddresses = new HashMap<>();
    private final Map<SocketChannel, Integer> byChannel = new WeakHashMap<>();

    /** The highest number recorded open, {@code -1} if none. */
    int highest() {
        return highest;
    }

    /** The number's record, {@code null} if it was never looked at. */
    FdSlot get(int fd) {
        return fd < slots.length ? slots[fd] : null;
    }

    /** Records what the number holds now. */
    void put(int fd, FdSlot slot) {
        if (fd >= slots.length) {
            slots = Arrays.copyOf(slots, Math.max(fd + 1, slots.length * 2));
        }
        FdSlot old = slots[fd];
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
        FdSlot slot = get(fd);
        if (slot != null && slot.state() == State.CHANNEL && slot.owner().get() == channel && channel.isOpen()) {
            return fd;
        }
        byChannel.remove(channel);
        return -1;
    }

    /** The number last seen holding a socket with these addresses, or {@code -1}. */
    int numberOf(AddressPair addresses) {
        return byAddresses.getOrDefault(addresses, -1);
    }

    /** Records the number as the channel's own, which it stays while the channel is open. */
    void channelAt(int fd, SocketChannel channel) {
        FdSlot old = get(fd);
        put(fd, new FdSlot(State.CHANNEL, old == null ? -1 : old.family(), null, -1, new WeakReference<>(channel)));
        byChannel.put(channel, fd);
    }

    /** Records the number as a duplicate the matcher made: taken until {@link #released}. */
    void duplicated(int fd) {
        put(fd, FdSlot.DUPLICATE);
    }

    /** Records a duplicate's number as free, as its close makes it. */
    void released(int fd) {
        put(fd, FdSlot.FREE);
    }

    /** Whether the number is certainly not free for a new socket now. */
    boolean taken(int fd) {
        FdSlot slot = get(fd);
        return slot != null && slot.taken();
    }

    /** What the number's {@code /proc/self/fd} link said when last read, {@code -1} if not read. */
    long link(int fd) {
        FdSlot slot = get(fd);
        return slot == null ? -1 : slot.link();
    }

    /**
     * Whether a number below the highest may hold a socket not looked at yet: free or unknown
     * before, a closed channel's, or (for a marker, which the table can't remember) any Unix
     * socket not taken.
     */
    boolean mayHold(int fd, boolean unix) {
        FdSlot slot = get(fd);
        if (slot == null || slot.state() == State.FREE) {
            return true;
        }
        if (slot.taken()) {
            return false;
        }
        return slot.state() == State.CHANNEL || unix && slot.isUnixSocket();
    }

    /** Forgets numbers a listing no longer shows. */
    void keepOnly(BitSet listed) {
        for (int fd = 0; fd <= highest; fd++) {
            if (!listed.get(fd) && slots[fd] != null && slots[fd].state() != State.FREE && !slots[fd].taken()) {
                put(fd, FdSlot.FREE);
            }
        }
    }
}
