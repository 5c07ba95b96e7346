package io.splice4j.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.splice4j.FallbackReason;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Finds a TCP channel's fd without any JVM flag: among the sockets listed in {@code /proc/self/fd},
 * the one whose local and peer addresses equal the channel's. A connected TCP socket's address
 * pair is unique in a network namespace, so at most one socket matches.
 */
final class ProcFdMatcher {

    private static final Path FD_DIR = Path.of("/proc/self/fd");
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    /** The last number each channel was found at: a channel keeps its fd for life, so this saves the scan. */
    private final Map<SocketChannel, Integer> lastSeen = Collections.synchronizedMap(new WeakHashMap<>());

    static boolean available() {
        return Files.isReadable(FD_DIR);
    }

    /**
     * Returns the channel's own fd number, checked through a duplicate that is closed again: for
     * channels whose fd can't be reused meanwhile (registered with a selector).
     */
    int find(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        int owned = duplicate(channel);
        LibC.close(owned);
        return lastSeen.get(channel);
    }

    /**
     * Returns a close-on-exec duplicate of the channel's fd, not yet owned by an arena.
     */
    int duplicate(SocketChannel channel) throws AsynchronousCloseException, NotSpliceableException {
        InetSocketAddress local;
        InetSocketAddress remote;
        try {
            SocketAddress localAddress = channel.getLocalAddress();
            SocketAddress remoteAddress = channel.getRemoteAddress();
            if (!(localAddress instanceof InetSocketAddress l) || !(remoteAddress instanceof InetSocketAddress r)) {
                throw new NotSpliceableException(FallbackReason.NO_FD,
                        "the /proc/self/fd matcher handles TCP sockets only; add --add-exports java.base/sun.nio.ch");
            }
            local = l;
            remote = r;
        } catch (ClosedChannelException e) {
            throw new AsynchronousCloseException();
        } catch (IOException e) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "can't read the channel's addresses: " + e);
        }
        try (Arena scratch = Arena.ofConfined()) {
            Candidate candidate = new Candidate(scratch, channel, local, remote);
            Integer cached = lastSeen.get(channel);
            if (cached != null) {
                int owned = candidate.duplicateIfMatching(cached);
                if (owned >= 0) {
                    lastSeen.put(channel, cached);
                    return owned;
                }
            }
            for (int fd : socketFds()) {
                int owned = candidate.duplicateIfMatching(fd);
                if (owned >= 0) {
                    lastSeen.put(channel, fd);
                    return owned;
                }
            }
        }
        if (!channel.isOpen()) {
            throw new AsynchronousCloseException();
        }
        throw new NotSpliceableException(FallbackReason.NO_FD,
                "no socket in /proc/self/fd matches " + local + " -> " + remote);
    }

    private static List<Integer> socketFds() throws NotSpliceableException {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FD_DIR)) {
            for (Path entry : entries) {
                try {
                    if (Files.readSymbolicLink(entry).toString().startsWith("socket:")) {
                        fds.add(Integer.parseInt(entry.getFileName().toString()));
                    }
                } catch (IOException | NumberFormatException e) {
                    // Closed since the listing (or not an fd entry): not ours to match.
                }
            }
        } catch (IOException e) {
            throw new NotSpliceableException(FallbackReason.NO_FD, "can't list /proc/self/fd: " + e);
        }
        return fds;
    }

    /** Checks fds against one channel's address pair, with scratch memory for the socket calls. */
    private static final class Candidate {
        private final SocketChannel channel;
        private final InetSocketAddress local;
        private final InetSocketAddress remote;
        private final MemorySegment address;
        private final MemorySegment length;

        Candidate(Arena scratch, SocketChannel channel, InetSocketAddress local, InetSocketAddress remote) {
            this.channel = channel;
            this.local = local;
            this.remote = remote;
            this.address = scratch.allocate(LibC.SOCKADDR_STORAGE_SIZE);
            this.length = scratch.allocate(JAVA_INT);
        }

        int duplicateIfMatching(int fd) {
            if (!matches(fd)) {
                return -1;
            }
            int owned = Fds.duplicate(fd);
            if (owned < 0) {
                return -1;
            }
            // The number may have been closed and reused between the check and the dup, so the
            // duplicate itself must match; an open channel rules out its socket having been closed.
            if (matches(owned) && channel.isOpen()) {
                return owned;
            }
            LibC.close(owned);
            return -1;
        }

        private boolean matches(int fd) {
            return local.equals(address(fd, false)) && remote.equals(address(fd, true));
        }

        private InetSocketAddress address(int fd, boolean peer) {
            length.set(JAVA_INT, 0, LibC.SOCKADDR_STORAGE_SIZE);
            int result = peer ? LibC.getpeername(fd, address, length) : LibC.getsockname(fd, address, length);
            if (result < 0) {
                return null;
            }
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
    }
}
