package io.splice4j.it;

import io.splice4j.support.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The byte stream that {@link Source} and {@link Sink} send, in the style of
 * {@link io.splice4j.support.Payload}: a pseudo-random block of a prime length, repeated, so a
 * chunk delivered twice, skipped or reordered changes the SHA-256. Both ends hash what they
 * actually wrote or read; the tests compare the two.
 */
final class Traffic {

    private static final int BLOCK = (1 << 20) + 7;
    private static final int CHUNK = 256 * 1024;
    private static final byte[] BYTES = new byte[BLOCK + CHUNK];

    static {
        new SplittableRandom(0x5EED_1706L).nextBytes(BYTES);
        System.arraycopy(BYTES, 0, BYTES, BLOCK, CHUNK);
    }

    private Traffic() {
    }

    /**
     * Writes the stream's first {@code size} bytes, counting them into {@code written} as they go.
     *
     * @param channel a blocking channel
     * @param size how many bytes
     * @param written updated after every write
     * @param progressEvery call {@code progress} every this many bytes (0: never)
     * @param progress told the bytes written so far
     * @return the digest of what was written
     * @throws IOException if a write fails
     */
    static Digest send(SocketChannel channel, long size, AtomicLong written, long progressEvery,
            LongConsumer progress) throws IOException {
        MessageDigest sha = sha256();
        long done = 0;
        long nextProgress = progressEvery > 0 ? progressEvery : Long.MAX_VALUE;
        while (done < size) {
            int start = (int) (done % BLOCK);
            int length = (int) Math.min(size - done, CHUNK);
            ByteBuffer buffer = ByteBuffer.wrap(BYTES, start, length);
            while (buffer.hasRemaining()) {
                int n = channel.write(buffer);
                written.addAndGet(n);
            }
            sha.update(BYTES, start, length);
            done += length;
            if (done >= nextProgress) {
                progress.accept(done);
                nextProgress += progressEvery;
            }
        }
        return digest(done, sha);
    }

    /**
     * Reads until end-of-stream or until {@code limit} bytes have arrived.
     *
     * @param channel a blocking channel
     * @param limit stop after this many bytes ({@code Long.MAX_VALUE}: read to the end)
     * @param read updated after every read
     * @param progressEvery call {@code progress} every this many bytes (0: never)
     * @param progress told the bytes read so far
     * @return the digest of what arrived
     * @throws IOException if a read fails
     */
    static Digest receive(SocketChannel channel, long limit, AtomicLong read, long progressEvery,
            LongConsumer progress) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long done = 0;
        long nextProgress = progressEvery > 0 ? progressEvery : Long.MAX_VALUE;
        while (done < limit) {
            buffer.clear().limit((int) Math.min(CHUNK, limit - done));
            int n = channel.read(buffer);
            if (n < 0) {
                break;
            }
            sha.update(buffer.array(), 0, n);
            done += n;
            read.addAndGet(n);
            if (done >= nextProgress) {
                progress.accept(done);
                nextProgress += progressEvery;
            }
        }
        return digest(done, sha);
    }

    /** Parses sizes such as {@code 4096}, {@code 64k}, {@code 16m}, {@code 1g}. */
    static long size(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }

    private static Digest digest(long length, MessageDigest sha) {
        return new Digest(length, HexFormat.of().formatHex(sha.digest()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
