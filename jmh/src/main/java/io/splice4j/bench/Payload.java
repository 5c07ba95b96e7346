package io.splice4j.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The bytes every operation sends: random (so nothing along the way can compress or dedupe them),
 * made once per trial and held in a direct buffer, so the sender's own cost is small and the same
 * for every row.
 */
final class Payload {

    private final ByteBuffer bytes;

    private Payload(ByteBuffer bytes) {
        this.bytes = bytes.asReadOnlyBuffer();
    }

    /** Random bytes from a fixed seed: runs are repeatable. */
    static Payload random(int size) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        SplittableRandom random = new SplittableRandom(0x5EED_5EED_5EEDL ^ size);
        while (buffer.remaining() >= Long.BYTES) {
            buffer.putLong(random.nextLong());
        }
        while (buffer.hasRemaining()) {
            buffer.put((byte) random.nextInt());
        }
        return new Payload(buffer.flip());
    }

    int size() {
        return bytes.capacity();
    }

    /**
     * Throws unless {@code received} (position to limit) equals the payload repeated end to end
     * without a gap, read from {@code offset} of that endless stream: the check of the streaming
     * benchmarks, whose connections carry the payload over and over.
     */
    void checkCyclic(long offset, ByteBuffer received) {
        ByteBuffer rest = received.duplicate();
        long at = offset;
        while (rest.hasRemaining()) {
            int from = (int) (at % size());
            int length = Math.min(rest.remaining(), size() - from);
            ByteBuffer piece = rest.slice(rest.position(), length);
            int mismatch = bytes.slice(from, length).mismatch(piece);
            if (mismatch >= 0) {
                throw new IllegalStateException("stream byte " + (at + mismatch) + " differs from what was sent");
            }
            rest.position(rest.position() + length);
            at += length;
        }
    }

    /** A fresh read-only view from the first byte; the caller may move its position. */
    ByteBuffer view() {
        return bytes.duplicate();
    }

    /**
     * Throws unless {@code received} (position to limit) equals the payload's bytes from
     * {@code offset}: a full comparison, cheaper than hashing both sides and just as strict.
     */
    void check(long offset, ByteBuffer received) {
        int length = received.remaining();
        if (offset + length > size()) {
            throw new IllegalStateException("received " + (offset + length) + " bytes, sent " + size());
        }
        ByteBuffer expected = bytes.slice((int) offset, length);
        int at = expected.mismatch(received);
        if (at >= 0) {
            throw new IllegalStateException("byte " + (offset + at) + " differs from what was sent");
        }
    }
}
