package io.splice4j.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * Pseudo-random test bytes. The stream cycles through a block of a prime length, so its period
 * never lines up with a chunk or page size: a chunk delivered twice, skipped or reordered changes
 * the SHA-256.
 */
public final class Payload {

    private static final int BLOCK = (1 << 20) + 7;
    private static final byte[] BYTES = new byte[BLOCK * 2];

    static {
        new SplittableRandom(0x5EED).nextBytes(BYTES);
        System.arraycopy(BYTES, 0, BYTES, BLOCK, BLOCK);
    }

    private Payload() {
    }

    /**
     * Writes the stream's first {@code size} bytes to a blocking channel.
     *
     * @param channel where to write
     * @param size how many bytes
     * @return what was written
     * @throws IOException if a write fails
     */
    public static Digest write(SocketChannel channel, long size) throws IOException {
        MessageDigest sha = sha256();
        long written = 0;
        while (written < size) {
            int start = (int) (written % BLOCK);
            int length = (int) Math.min(size - written, 256 * 1024);
            ByteBuffer buffer = ByteBuffer.wrap(BYTES, start, length);
            sha.update(BYTES, start, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            written += length;
        }
        return Digest.of(size, sha.digest());
    }

    /**
     * Writes the stream's first {@code size} bytes into a file at {@code position}, leaving the
     * channel's position alone; past the file's end it grows (sparsely, on most file systems).
     *
     * @param channel a file channel open for writing
     * @param position where the first byte goes
     * @param size how many bytes
     * @return what was written
     * @throws IOException if a write fails
     */
    public static Digest write(FileChannel channel, long position, long size) throws IOException {
        MessageDigest sha = sha256();
        long written = 0;
        while (written < size) {
            int start = (int) (written % BLOCK);
            int length = (int) Math.min(size - written, 256 * 1024);
            ByteBuffer buffer = ByteBuffer.wrap(BYTES, start, length);
            sha.update(BYTES, start, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer, position + written + (buffer.position() - start));
            }
            written += length;
        }
        return Digest.of(size, sha.digest());
    }

    /**
     * Returns the digest of the first {@code size} bytes of the stream without sending them.
     *
     * @param size how many bytes
     * @return their digest
     */
    public static Digest expected(long size) {
        return expectedAfter(new byte[0], size);
    }

    /**
     * Returns the digest of {@code first} followed by the stream's first {@code size} bytes: what
     * arrives when a transfer sends bytes it was given before the ones it moves.
     *
     * @param first the bytes sent first
     * @param size how many bytes of the stream follow
     * @return their digest
     */
    public static Digest expectedAfter(byte[] first, long size) {
        MessageDigest sha = sha256();
        sha.update(first);
        long done = 0;
        while (done < size) {
            int start = (int) (done % BLOCK);
            int length = (int) Math.min(size - done, 256 * 1024);
            sha.update(BYTES, start, length);
            done += length;
        }
        return Digest.of(first.length + size, sha.digest());
    }

    /**
     * Returns the stream's period: its bytes at {@code offset} and {@code offset + period()} are
     * the same.
     *
     * @return the period in bytes
     */
    public static int period() {
        return BLOCK;
    }

    /**
     * Returns the stream's first {@code size} bytes in a new read-only direct buffer, for a sender
     * whose own cost should be a copy out of native memory and nothing more.
     *
     * @param size how many bytes
     * @return a buffer from position 0 to limit {@code size}
     */
    public static ByteBuffer direct(int size) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        while (buffer.hasRemaining()) {
            int start = buffer.position() % BLOCK;
            buffer.put(BYTES, start, Math.min(buffer.remaining(), BLOCK * 2 - start));
        }
        return buffer.flip().asReadOnlyBuffer();
    }

    /**
     * Throws unless {@code received}, from its position to its limit (both left as they are), holds
     * the stream's bytes from {@code offset}: a reader that sees the stream in pieces checks each
     * piece as it comes, with no digest to keep.
     *
     * @param offset where in the stream the first received byte belongs
     * @param received the bytes
     * @throws IllegalStateException naming the first byte that differs
     */
    public static void check(long offset, ByteBuffer received) {
        ByteBuffer rest = received.duplicate();
        long at = offset;
        while (rest.hasRemaining()) {
            int start = (int) (at % BLOCK);
            int length = Math.min(rest.remaining(), BLOCK * 2 - start);
            int mismatch = ByteBuffer.wrap(BYTES, start, length).mismatch(rest.slice(rest.position(), length));
            if (mismatch >= 0) {
                throw new IllegalStateException("stream byte " + (at + mismatch) + " differs from what was sent");
            }
            rest.position(rest.position() + length);
            at += length;
        }
    }

    /**
     * Reads a blocking channel to end-of-stream.
     *
     * @param channel where to read
     * @return what arrived
     * @throws IOException if a read fails
     */
    public static Digest readToEnd(SocketChannel channel) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        long total = 0;
        int read;
        while ((read = channel.read(buffer)) >= 0) {
            sha.update(buffer.array(), 0, read);
            total += read;
            buffer.clear();
        }
        return Digest.of(total, sha.digest());
    }

    /**
     * Reads exactly {@code size} bytes and checks they are the stream's first {@code size} bytes.
     *
     * @param channel where to read
     * @param size how many bytes
     * @return what arrived
     * @throws IOException if a read fails or the stream ends early
     */
    public static Digest readExactly(SocketChannel channel, long size) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        long total = 0;
        while (total < size) {
            buffer.limit((int) Math.min(buffer.capacity(), size - total));
            int read = channel.read(buffer);
            if (read < 0) {
                throw new IOException("stream ended after " + total + " of " + size + " bytes");
            }
            sha.update(buffer.array(), 0, read);
            total += read;
            buffer.clear();
        }
        return Digest.of(total, sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
