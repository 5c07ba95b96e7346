package io.splice4j;

import io.splice4j.internal.SingleUse;
import io.splice4j.internal.proxy.HeaderCollector;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Reads one PROXY protocol header, version 1 or 2 (told apart by the first byte), from bytes fed
 * in as they arrive: from an event loop's reads or a blocking reader's.
 *
 * <p>{@link #feed} takes bytes from the buffer's position up to the header's end and no further,
 * so that what the peer sent after the header stays in the buffer, in order. Input that no valid
 * header begins with fails at the first byte that shows it, without waiting for more. The checks
 * follow the spec strictly:
 * <ul>
 * <li>Version 1: {@code PROXY TCP4|TCP6 <src> <dst> <srcport> <dstport>\r\n} with single spaces,
 *     IPv4 as four decimal numbers 0-255 without leading zeros, IPv6 as hex groups with at most one
 *     {@code ::}, ports 0-65535 without leading zeros; or {@code PROXY UNKNOWN}, then anything up to
 *     the CRLF; at most 107 bytes with the CRLF; a CR must be followed by an LF.</li>
 * <li>Version 2: the 12-byte signature, version 2, command LOCAL or PROXY, a defined family and
 *     protocol byte, a length no larger than the limit and, for PROXY, at least the family's
 *     address block (12 bytes TCP4, 36 TCP6), TLV fields that fill the rest exactly, and a CRC32C
 *     field, if there is one, that matches. PROXY headers must be TCP4, TCP6 or UNSPEC (UDP and
 *     UNIX fail as unsupported); LOCAL headers are taken whatever their family, their addresses
 *     and fields ignored, as the spec asks.</li>
 * </ul>
 *
 * <p>One parser reads one header and is then spent. It is not thread-safe.
 */
public final class ProxyHeaderParser {

    /**
     * The default limit on a version 2 header's length field: 4080, so that whole headers are at
     * most 4096 bytes. The largest address block is 36 bytes; the rest is room for TLV fields.
     */
    public static final int DEFAULT_MAX_V2_LENGTH = 4080;

    private final HeaderCollector collector;
    private final SingleUse life = new SingleUse("header");

    /** Creates a parser with the default version 2 limit, {@value #DEFAULT_MAX_V2_LENGTH}. */
    public ProxyHeaderParser() {
        this(DEFAULT_MAX_V2_LENGTH);
    }

    /**
     * Creates a parser.
     *
     * @param maxV2Length the largest version 2 length field to accept, 0 to 65535: the bytes after
     *     the 16-byte fixed part. Bounds the memory a peer can make the parser hold.
     * @throws IllegalArgumentException if out of range
     */
    public ProxyHeaderParser(int maxV2Length) {
        if (maxV2Length < 0 || maxV2Length > 0xFFFF) {
            throw new IllegalArgumentException("maxV2Length must be 0 to 65535: " + maxV2Length);
        }
        this.collector = new HeaderCollector(maxV2Length);
    }

    /**
     * Takes the next bytes from {@code input}, from its position to its limit.
     *
     * <p>Until the header is complete every byte is taken (the position reaches the limit) and the
     * result is empty: feed more. Once it is complete, the position is just past the header's last
     * byte: the bytes from there on are the peer's data, to be passed on first. After a failure
     * the position is somewhere within the bytes examined.
     *
     * @param input bytes from the peer, not null
     * @return the header once complete, else empty
     * @throws ProxyProtocolException if the bytes fed so far begin no valid header
     * @throws IllegalStateException if this parser already returned a header or failed
     */
    public Optional<ProxyHeader> feed(ByteBuffer input) throws ProxyProtocolException {
        life.check(input);
        try {
            return life.returned(collector.feed(input));
        } catch (ProxyProtocolException e) {
            throw life.failed(e);
        }
    }

    /**
     * Counts the header bytes taken so far.
     *
     * @return the bytes taken by all calls to {@link #feed}; once the header is complete, its length
     */
    public int bytesConsumed() {
        return collector.received();
    }
}
