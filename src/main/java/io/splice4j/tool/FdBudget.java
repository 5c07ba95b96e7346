package io.splice4j.tool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * How many connections the open-files limit leaves room for: each connection holds two sockets,
 * the engine's pipe pool may hold two fds per pipe, and the JVM, the listening socket and the event
 * loops need a few of their own. A client waiting for its PROXY header holds only its own socket:
 * the wait opens no fd (a TCP read waits in the JDK, a Unix-domain read on the one selector all
 * such reads share, whose two fds are in the reserve).
 *
 * @param fdLimit the soft {@code RLIMIT_NOFILE}, or empty if it can't be read
 * @param pipeFds the most fds the pipe pool can hold
 * @param reserve fds kept for the JVM and the forwarder itself
 */
record FdBudget(OptionalLong fdLimit, int pipeFds, int reserve) {

    /** Used where the limit can't be read: the usual soft limit, so a guess errs on the small side. */
    private static final long UNKNOWN_LIMIT = 1024;

    /** The budget of this process, with {@code pipeFds} for the pool and {@code loops} event loops. */
    static FdBudget ofThisProcess(int pipeFds, int loops) {
        // The JVM's own jars, logs and selectors take a few dozen, among them the 2 of the selector
        // that Unix-domain PROXY header reads share; each loop an epoll fd and a selector.
        return new FdBudget(softLimit(Path.of("/proc/self/limits")), pipeFds, reserve(loops));
    }

    /** The fds kept back for the JVM and the engine's own: 64, and 4 per loop. */
    static int reserve(int loops) {
        return 64 + 4 * loops;
    }

    /**
     * Returns the connections that fit: at least one, so that a tiny limit still serves clients one
     * at a time.
     */
    int maxConnections() {
        long room = fdLimit.orElse(UNKNOWN_LIMIT) - pipeFds - reserve;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, room / 2));
    }

    /** Says where {@link #maxConnections()} comes from, for the start line. */
    String explain() {
        return (fdLimit.isPresent() ? "open-files limit " + fdLimit.getAsLong() : "open-files limit unknown, assumed "
                + UNKNOWN_LIMIT) + " - " + pipeFds + " pipe fds - " + reserve + " reserved, 2 per connection";
    }

    /** Reads the soft "Max open files" from a {@code /proc/<pid>/limits} file. */
    static OptionalLong softLimit(Path limits) {
        try {
            for (String line : Files.readAllLines(limits)) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? OptionalLong.of(Integer.MAX_VALUE)
                            : OptionalLong.of(Long.parseLong(soft));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux, or no /proc: the caller assumes a small limit.
        }
        return OptionalLong.empty();
    }
}
