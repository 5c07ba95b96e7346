package io.splice4j.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes a connected TCP socket holds in the kernel, as {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} list them: what the peer has not acknowledged yet, which includes what is
 * not sent yet ({@code tx_queue}: write_seq - snd_una), and what the application has not read yet
 * ({@code rx_queue}: rcv_nxt - copied_seq; a splice out of the socket counts as a read).
 *
 * @param unacknowledged bytes written but not yet acknowledged by the peer
 * @param unread bytes received but not yet read
 */
public record TcpQueues(long unacknowledged, long unread) {

    private static final String ESTABLISHED = "01";

    /**
     * Reads the queues of {@code channel}'s socket, found as the one established socket (by inode)
     * with its local and remote ports.
     *
     * @param channel a connected TCP channel
     * @return its queues now
     * @throws IOException if the tables can't be read
     * @throws IllegalStateException if no established socket, or more than one, has those ports
     */
    public static TcpQueues of(SocketChannel channel) throws IOException {
        String local = ":%04X".formatted(((InetSocketAddress) channel.getLocalAddress()).getPort());
        String remote = ":%04X".formatted(((InetSocketAddress) channel.getRemoteAddress()).getPort());
        // The kernel lists the tables a chunk at a time, so a read while sockets come and go can
        // show one socket twice (told apart by inode) or, rarely, skip it (read again).
        Map<String, TcpQueues> found = new HashMap<>();
        for (int attempt = 0; attempt < 3 && found.isEmpty(); attempt++) {
            for (String table : List.of("tcp", "tcp6")) {
                Path path = Path.of("/proc/net", table);
                if (!Files.exists(path)) {
                    continue;
                }
                for (String line : Files.readAllLines(path)) {
                    // sl local_address remote_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length > 9 && fields[1].endsWith(local) && fields[2].endsWith(remote)
                            && fields[3].equals(ESTABLISHED)) {
                        String[] queues = fields[4].split(":");
                        found.put(fields[9],
                                new TcpQueues(Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16)));
                    }
                }
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException(found.size() + " established sockets " + local + " -> " + remote
                    + " in /proc/net/tcp and tcp6: " + found);
        }
        return found.values().iterator().next();
    }
}
