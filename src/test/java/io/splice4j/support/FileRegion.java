package io.splice4j.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Reads back a range of a file, for comparison with what a socket carried. */
public final class FileRegion {

    private FileRegion() {
    }

    /**
     * Returns the length and SHA-256 of the bytes in {@code [position, position + size)}, or of
     * fewer if the file ends first.
     *
     * @param file the file
     * @param position the first byte
     * @param size how many bytes at most
     * @return what the range holds
     * @throws IOException if reading fails
     */
    public static Digest digest(Path file, long position, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return digest(channel, position, size);
        }
    }

    /**
     * Like {@link #digest(Path, long, long)}, through a channel already open: where this JVM holds a
     * lock on the file, opening and closing another channel would release it (POSIX lock semantics).
     *
     * @param channel a channel open for reading
     * @param position the first byte
     * @param size how many bytes at most
     * @return what the range holds
     * @throws IOException if reading fails
     */
    public static Digest digest(FileChannel channel, long position, long size) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        long total = 0;
        while (total < size) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), size - total));
            int read = channel.read(buffer, position + total);
            if (read < 0) {
                break;
            }
            sha.update(buffer.array(), 0, read);
            total += read;
        }
        return Digest.of(total, sha.digest());
    }
}
