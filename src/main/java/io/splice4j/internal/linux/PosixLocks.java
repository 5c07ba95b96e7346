package io.splice4j.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * File locks as the kernel lists them: every lock in {@code /proc/locks}, and in
 * {@code /proc/self/fdinfo/<fd>} those taken through that fd's open file description. A line reads
 * {@code 1: POSIX  ADVISORY  READ 30218 fe:00:2154504 4611686018427387904 4611686018427387904}: type,
 * mode, access, owner pid, device (major:minor, hex) and inode, first and last byte ({@code EOF} for
 * "to the end"). Waiters ({@code 1: -> POSIX ...}) hold nothing and are skipped.
 */
final class PosixLocks {

    private static final Path ALL = Path.of("/proc/locks");

    /**
     * One held lock.
     *
     * @param type {@code POSIX} (what {@code FileChannel.lock} takes), {@code OFDLCK}, {@code FLOCK}, ...
     * @param pid the owner, as seen in this process's {@code /proc}
     * @param device major:minor of the file's file system, as the kernel prints it
     * @param inode the file's inode number
     * @param first the first byte locked
     * @param last the last byte locked, {@link Long#MAX_VALUE} for "to the end"
     */
    record Lock(String type, long pid, String device, long inode, long first, long last) {
    }

    private PosixLocks() {
    }

    /** Returns every lock held on this machine, as far as this process's {@code /proc} shows. */
    static List<Lock> all() throws IOException {
        return parse(Files.readAllLines(ALL));
    }

    /**
     * Returns the locks taken through the open file description behind {@code fd}.
     *
     * @return the locks, empty also if {@code fd} isn't open
     */
    static List<Lock> takenThrough(int fd) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd));
        } catch (IOException e) {
            return List.of();
        }
        List<String> locks = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("lock:")) {
                locks.add(line.substring("lock:".length()));
            }
        }
        return parse(locks);
    }

    private static List<Lock> parse(List<String> lines) {
        List<Lock> locks = new ArrayList<>();
        for (String line : lines) {
            parse(line).ifPresent(locks::add);
        }
        return locks;
    }

    private static Optional<Lock> parse(String line) {
        String[] fields = line.strip().split("\\s+");
        // "1:" type mode access pid maj:min:inode first last
        if (fields.length < 8 || fields[1].equals("->")) {
            return Optional.empty();
        }
        String id = fields[5];
        int inodeColon = id.lastIndexOf(':');
        try {
            long last = fields[7].equals("EOF") ? Long.MAX_VALUE : Long.parseLong(fields[7]);
            return Optional.of(new Lock(fields[1], Long.parseLong(fields[4]), id.substring(0, Math.max(inodeColon, 0)),
                    Long.parseLong(id.substring(inodeColon + 1)), Long.parseLong(fields[6]), last));
        } catch (NumberFormatException e) {
            // A lease or delegation line, whose fields differ: never a record lock.
            return Optional.empty();
        }
    }
}
