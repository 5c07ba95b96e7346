package io.splice4j.internal.proxy;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyProtocolException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Gathers the bytes of one PROXY header, version 1 or 2, as they arrive, checking each so that
 * input no valid header starts with fails at once, and taking no byte past the header's end.
 */
public final class HeaderCollector {

    private final int maxV2Length;
    private byte[] bytes = new byte[V1Line.MAX_LENGTH];
    private int received;
    /** Version 2: the whole header's length once the fixed part is in, else -1. */
    private int total = -1;
    /** Version 2: the offset of the first TLV field whose framing is not yet checked. */
    private int nextTlv;

    /**
     * Creates a collector.
     *
     * @param maxV2Length the largest version 2 length (the bytes after its 16-byte fixed part) to take
     */
    public HeaderCollector(int maxV2Length) {
        this.maxV2Length = maxV2Length;
    }

    /**
     * Takes bytes from {@code input} up to the header's end at most.
     *
     * @param input bytes from the peer, read from its position
     * @return the header once complete, {@code input}'s position just past it; null while the
     *     bytes taken so far (all of {@code input}) begin a valid header
     * @throws ProxyProtocolException if they can't
     */
    public ProxyHeader feed(ByteBuffer input) throws ProxyProtocolException {
        while (input.hasRemaining()) {
            if (total >= 0) {
                int n = Math.min(input.remaining(), total - received);
                input.get(bytes, received, n);
                received += n;
                nextTlv = V2Block.frameTlvs(bytes, nextTlv, received, total);
            } else {
                byte b = input.get();
                bytes[received++] = b;
                if (version() == 1) {
                    if (b == '\n') {
                        return V1Line.decode(bytes, received);
                    }
                    V1Line.checkStart(bytes, received);
                } else {
                    V2Block.checkFixedByte(bytes, received - 1, maxV2Length);
                    if (received == V2Block.FIXED_LENGTH) {
                        total = V2Block.totalLength(bytes);
                        bytes = Arrays.copyOf(bytes, total);
                        nextTlv = V2Block.frameTlvs(bytes, V2Block.firstTlv(bytes), received, total);
                    }
                }
            }
            if (received == total) {
                return V2Block.decode(bytes);
            }
        }
        return null;
    }

    /**
     * Counts the header bytes taken so far.
     *
     * @return bytes taken from all inputs
     */
    public int received() {
        return received;
    }

    private int version() throws ProxyProtocolException {
        byte first = bytes[0];
        if (first == V1Line.PREFIX.charAt(0)) {
            return 1;
        }
        if (first == V2Block.firstByte()) {
            return 2;
        }
        throw new ProxyProtocolException(String.format(
                "bad signature: 0x%02x starts neither a v1 header (\"PROXY \") nor a v2 header (0x0d 0x0a ...)",
                first & 0xFF));
    }
}
