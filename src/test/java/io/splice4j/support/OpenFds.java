package io.splice4j.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The process's open file descriptors, from {@code /proc/self/fd}. */
public final class OpenFds {

    private static final Path FD_DIR = Path.of("/proc/self/fd");

    private OpenFds() {
    }

    /**
     * Counts them: {@link #list()}'s size. Not the listing's length less a fixed number: the JDK
     * holds two descriptors on the directory while it lists it (one for reading, a duplicate for
     * relative operations), and which ones are the listing's own is known only by where they point.
     *
     * @return the number open now, not counting those used to list them
     */
    public static long count() {
        return list().size();
    }

    /**
     * Returns the soft limit on open files, from {@code /proc/self/limits}.
     *
     * @return the limit, {@link Long#MAX_VALUE} if unlimited
     */
    public static long limit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no 'Max open files' in /proc/self/limits");
    }

    /**
     * Lists them with what each refers to, such as {@code socket:[123]} or {@code pipe:[456]}.
     *
     * @return fd number to link target
     */
    public static Map<Integer, String> list() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(FD_DIR)) {
            entries.forEach(entry -> {
                try {
                    String target = Files.readSymbolicLink(entry).toString();
                    if (!target.endsWith("/fd")) {
                        // Not one of the listing's own directory handles.
                        fds.put(Integer.parseInt(entry.getFileName().toString()), target);
                    }
                } catch (IOException | NumberFormatException e) {
                    // Closed since the directory was read.
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /**
     * Describes the fds open now that were not open in {@code before}, for a failure message.
     *
     * @param before an earlier {@link #list()}
     * @return the new fds, or an empty string
     */
    public static String openedSince(Map<Integer, String> before) {
        Map<Integer, String> added = new TreeMap<>(list());
        added.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return added.isEmpty() ? "" : "opened since: " + added + sockets(added);
    }

    /**
     * Like {@link #openedSince}, but leaves out Unix-domain sockets: the JDK keeps one for good the
     * first time it closes a channel under a thread still inside it (it dup2()s it over the closed
     * fd), and this library opens none. Relay sockets, pipes, epoll and event fds all still count.
     *
     * @param before an earlier {@link #list()}
     * @return the new fds, or an empty string
     */
    public static String openedSinceExceptUnixSockets(Map<Integer, String> before) {
        Set<String> unix = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length >= 7) {
                    unix.add("socket:[" + fields[6] + "]");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Integer, String> added = new TreeMap<>(list());
        added.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())) || unix.contains(e.getValue()));
        return added.isEmpty() ? "" : "opened since: " + added + sockets(added);
    }

    /** What the kernel knows of the sockets among {@code fds}: state and addresses, from ss(8). */
    private static String sockets(Map<Integer, String> fds) {
        StringBuilder found = new StringBuilder();
        try {
            Process ss = new ProcessBuilder("ss", "-atuxnpe").redirectErrorStream(true).start();
            String table = new String(ss.getInputStream().readAllBytes());
            ss.waitFor();
            for (String link : fds.values()) {
                if (link.startsWith("socket:[")) {
                    String inode = "ino:" + link.substring(8, link.length() - 1);
                    table.lines().filter(line -> line.contains(inode + " ")).forEach(line -> found.append("\n  ")
                            .append(line));
                }
            }
            for (String table2 : List.of("tcp", "tcp6", "udp", "udp6", "unix", "netlink", "raw")) {
                for (String link : fds.values()) {
                    if (link.startsWith("socket:[")) {
                        String inode = link.substring(8, link.length() - 1);
                        Files.readAllLines(Path.of("/proc/net/" + table2)).stream()
                                .filter(line -> (" " + line + " ").contains(" " + inode + " "))
                                .forEach(line -> found.append("\n  ").append(table2).append(": ").append(line));
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            found.append(" (ss failed: ").append(e).append(')');
        }
        return found.toString();
    }
}
