package io.splice4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * Tells a reset that the kernel made for want of memory from one the code under test made.
 *
 * <p>Linux resets a TCP socket that is closed (or orphaned and due a retransmission) while the peer
 * has not acknowledged all of its bytes and its FIN, instead of finishing it with the FIN, when the
 * host is out of TCP memory ({@code net.ipv4.tcp_mem}, shared by every process and namespace) or
 * has too many orphaned sockets ({@code tcp_max_orphans}). It counts each such reset as
 * {@code TCPAbortOnMemory} in {@code /proc/net/netstat} and logs "TCP: out of memory -- consider
 * tuning tcp_mem". A relay closes its sockets as soon as both directions have ended, so on a host
 * that other jobs drive out of TCP memory the peers can read a reset after the relay completed.
 */
public final class TcpMemoryAborts {

    private static final Path NETSTAT = Path.of("/proc/net/netstat");

    private final LongSupplier counter;
    private final long before;

    TcpMemoryAborts(LongSupplier counter) {
        this.counter = counter;
        this.before = counter.getAsLong();
    }

    /**
     * Starts counting this network namespace's resets for want of memory.
     *
     * @return the count from now
     */
    public static TcpMemoryAborts start() {
        return new TcpMemoryAborts(TcpMemoryAborts::count);
    }

    /**
     * Returns how many sockets the kernel has reset for want of memory since {@link #start()}.
     *
     * @return the count, 0 where the kernel doesn't say
     */
    public long since() {
        return counter.getAsLong() - before;
    }

    /**
     * Waits for {@code future} as {@link Future#get(long, TimeUnit)} does, but if it failed with a
     * {@link SocketException} (a reset) while the kernel was resetting sockets for want of memory,
     * aborts the test, saying so, instead of failing it.
     *
     * @param <T> the result type
     * @param future a task that reads or writes a socket
     * @param timeout how long to wait
     * @param unit the timeout's unit
     * @return the task's result
     * @throws Exception what {@link Future#get(long, TimeUnit)} throws, or the test's abort
     */
    public <T> T get(Future<T> future, long timeout, TimeUnit unit) throws Exception {
        try {
            return future.get(timeout, unit);
        } catch (ExecutionException e) {
            long aborted = since();
            if (e.getCause() instanceof SocketException && aborted > 0) {
                Assumptions.abort("the kernel reset " + aborted + " TCP socket(s) for want of memory meanwhile"
                        + " (TcpExt TCPAbortOnMemory: the host over net.ipv4.tcp_mem or tcp_max_orphans),"
                        + " so this can't say whether the code under test did: " + e.getCause());
            }
            throw e;
        }
    }

    /** This namespace's TCPAbortOnMemory now; 0 where there is no {@code /proc/net/netstat}. */
    static long count() {
        if (!Files.exists(NETSTAT)) {
            return 0;
        }
        try {
            return parse(Files.readAllLines(NETSTAT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Finds TCPAbortOnMemory in {@code /proc/net/netstat}'s lines: a line of {@code TcpExt:} names,
     * then one of their values.
     */
    static long parse(List<String> lines) {
        for (int i = 0; i + 1 < lines.size(); i++) {
            String[] names = lines.get(i).trim().split("\\s+");
            String[] values = lines.get(i + 1).trim().split("\\s+");
            if (names[0].equals("TcpExt:") && values[0].equals("TcpExt:")) {
                for (int j = 1; j < Math.min(names.length, values.length); j++) {
                    if (names[j].equals("TCPAbortOnMemory")) {
                        return Long.parseLong(values[j]);
                    }
                }
            }
        }
        throw new IllegalStateException("no TcpExt TCPAbortOnMemory in " + NETSTAT);
    }
}
