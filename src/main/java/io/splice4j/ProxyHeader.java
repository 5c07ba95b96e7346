package io.splice4j;

import io.splice4j.internal.proxy.V1Line;
import io.splice4j.internal.proxy.V2Block;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A PROXY protocol header (HAProxy's "The PROXY protocol, Versions 1 &amp; 2"): the addresses of
 * the connection a proxy accepted, sent ahead of the client's bytes to the server behind it.
 *
 * <p>A sender builds one with {@link #of}, {@link #local()} or {@link #unknown()} and writes
 * {@link #encodeV1()} or {@link #encodeV2()} before relaying; a receiver gets one from
 * {@link ProxyHeaderParser} or {@link ProxyProtocol#read}. Headers are immutable and compare by
 * value.
 *
 * {@snippet :
 * // Sender: announce the client's addresses to the upstream, then relay.
 * ProxyHeader header = ProxyHeader.of((InetSocketAddress) client.getRemoteAddress(),
 *         (InetSocketAddress) client.getLocalAddress());
 * ByteBuffer bytes = header.encodeV2();
 * while (bytes.hasRemaining()) {
 *     upstream.write(bytes);
 * }
 *
 * // Receiver: read the header, then pass on what came after it first.
 * ProxyProtocol.Received received = ProxyProtocol.read(accepted, Duration.ofSeconds(5));
 * InetSocketAddress realClient = received.header().source().orElse(null); // null for LOCAL/UNKNOWN
 * }
 */
public final class ProxyHeader {

    /** What the receiver should do with the addresses. */
    public enum Command {
        /**
         * The connection was made by the proxy itself (a health check, say): the receiver uses
         * the connection's own addresses. Version 2 only; version 1 sends it as {@code UNKNOWN}.
         */
        LOCAL,
        /** The connection is relayed for a client: the header's addresses, if any, are the client's. */
        PROXY
    }

    /** The client connection's protocol and address family. */
    public enum Family {
        /** Not said, or a protocol the sender doesn't describe: no addresses. */
        UNKNOWN,
        /** TCP over IPv4. */
        TCP4,
        /** TCP over IPv6 (IPv4 addresses appear IPv4-mapped). */
        TCP6
    }

    /**
     * A version 2 type-length-value field, kept raw.
     *
     * <p>A CRC32C field's value is recomputed by {@link #encodeV2()} and checked by the parser;
     * other types are passed through unread.
     *
     * @param type the type, 0 to 255, such as {@link #AUTHORITY}
     * @param value the value, at most 65535 bytes; copied in and out
     */
    public record Tlv(int type, byte[] value) {

        /** Application-layer protocol (ALPN), such as {@code h2}. */
        public static final int ALPN = 0x01;
        /** The host name the client asked for (TLS SNI or HTTP Host), UTF-8. */
        public static final int AUTHORITY = 0x02;
        /** CRC32C of the whole header, 4 bytes, big-endian. */
        public static final int CRC32C = 0x03;
        /** Padding the receiver skips. */
        public static final int NOOP = 0x04;
        /** An opaque connection id, at most 128 bytes. */
        public static final int UNIQUE_ID = 0x05;
        /** TLS details of the client connection, with sub-fields. */
        public static final int SSL = 0x20;
        /** The network namespace's name, US-ASCII. */
        public static final int NETNS = 0x30;

        /**
         * Checks the range and copies the value.
         *
         * @param type the type, 0 to 255
         * @param value the value, at most 65535 bytes
         */
        public Tlv {
            if (type < 0 || type > 0xFF) {
                throw new IllegalArgumentException("type must be 0 to 255: " + type);
            }
            Objects.requireNonNull(value, "value");
            if (value.length > 0xFFFF) {
                throw new IllegalArgumentException("value must be at most 65535 bytes: " + value.length);
            }
            value = value.clone();
        }

        /**
         * Returns a copy of the value.
         *
         * @return the value's bytes
         */
        @Override
        public byte[] value() {
            return value.clone();
        }

        /**
         * Compares type and value bytes.
         *
         * @param other any object
         * @return whether {@code other} is a field with the same type and value
         */
        @Override
        public boolean equals(Object other) {
            return other instanceof Tlv tlv && tlv.type == type && Arrays.equals(tlv.value, value);
        }

        /**
         * Hashes type and value bytes.
         *
         * @return the hash
         */
        @Override
        public int hashCode() {
            return 31 * type + Arrays.hashCode(value);
        }

        /**
         * Describes the field.
         *
         * @return type and value in hex, such as {@code Tlv[0x02: 6578616d706c65]}
         */
        @Override
        public String toString() {
            return String.format("Tlv[0x%02x: %s]", type, HexFormat.of().formatHex(value));
        }
    }

    private static final ProxyHeader LOCAL = new ProxyHeader(Command.LOCAL, Family.UNKNOWN, null, null, List.of());
    private static final ProxyHeader UNKNOWN = new ProxyHeader(Command.PROXY, Family.UNKNOWN, null, null, List.of());

    private final Command command;
    private final Family family;
    private final InetSocketAddress source;
    private final InetSocketAddress destination;
    private final List<Tlv> tlvs;

    private ProxyHeader(Command command, Family family, InetSocketAddress source, InetSocketAddress destination,
            List<Tlv> tlvs) {
        this.command = command;
        this.family = family;
        this.source = source;
        this.destination = destination;
        this.tlvs = tlvs;
    }

    /**
     * Creates a PROXY header for a TCP connection from {@code source} to {@code destination}.
     *
     * <p>Two IPv4 addresses give {@link Family#TCP4}, two IPv6 addresses {@link Family#TCP6}. When
     * one is IPv4 and the other IPv6 the IPv4 one is turned into its IPv4-mapped IPv6 form
     * ({@code ::ffff:a.b.c.d}) and the family is TCP6. IPv6 scope ids are dropped: the protocol
     * has no room for them.
     *
     * @param source the client's address and port, as the proxy saw it
     * @param destination the address and port the client connected to
     * @return the header
     * @throws IllegalArgumentException if an address is unresolved
     */
    public static ProxyHeader of(InetSocketAddress source, InetSocketAddress destination) {
        InetAddress from = resolved(source, "source");
        InetAddress to = resolved(destination, "destination");
        if (from instanceof Inet4Address && to instanceof Inet4Address) {
            return new ProxyHeader(Command.PROXY, Family.TCP4, new InetSocketAddress(plain(from), source.getPort()),
                    new InetSocketAddress(plain(to), destination.getPort()), List.of());
        }
        return new ProxyHeader(Command.PROXY, Family.TCP6, new InetSocketAddress(asIpv6(from), source.getPort()),
                new InetSocketAddress(asIpv6(to), destination.getPort()), List.of());
    }

    /**
     * Returns the LOCAL header: the connection is the proxy's own, and the receiver should use
     * the connection's real addresses. Version 1 has no LOCAL and encodes it as
     * {@code PROXY UNKNOWN}.
     *
     * @return the LOCAL header, family {@link Family#UNKNOWN}, no addresses
     */
    public static ProxyHeader local() {
        return LOCAL;
    }

    /**
     * Returns the PROXY header for a connection whose protocol the sender doesn't describe
     * (version 1 {@code PROXY UNKNOWN}, version 2 family {@code UNSPEC}).
     *
     * @return the header, no addresses
     */
    public static ProxyHeader unknown() {
        return UNKNOWN;
    }

    /**
     * Returns this header with the given version 2 fields, in the order given; version 1 has none.
     *
     * @param tlvs the fields, at most one of type {@link Tlv#CRC32C} (with 4 bytes); replaces any
     *     this header has
     * @return the new header
     * @throws IllegalArgumentException if the fields, with the address block, exceed the 65535
     *     bytes a version 2 header can declare, or a CRC32C field is repeated or not 4 bytes
     * @throws IllegalStateException if this is the LOCAL header, whose fields receivers discard
     */
    public ProxyHeader withTlvs(List<Tlv> tlvs) {
        List<Tlv> copy = List.copyOf(Objects.requireNonNull(tlvs, "tlvs"));
        if (command == Command.LOCAL) {
            throw new IllegalStateException("a LOCAL header carries no TLVs: receivers discard them");
        }
        long length = V2Block.addressBlockLength(family);
        int crcs = 0;
        for (Tlv tlv : copy) {
            length += 3 + tlv.value.length;
            if (tlv.type == Tlv.CRC32C && (++crcs > 1 || tlv.value.length != 4)) {
                throw new IllegalArgumentException("tlvs may hold one CRC32C field (type 0x03) of 4 bytes");
            }
        }
        if (length > 0xFFFF) {
            throw new IllegalArgumentException("tlvs make the v2 length " + length + ", more than 65535");
        }
        return new ProxyHeader(command, family, source, destination, copy);
    }

    /**
     * Returns the command.
     *
     * @return {@link Command#PROXY}, or {@link Command#LOCAL} for {@link #local()}
     */
    public Command command() {
        return command;
    }

    /**
     * Returns the protocol and address family.
     *
     * @return TCP4, TCP6, or UNKNOWN when there are no addresses
     */
    public Family family() {
        return family;
    }

    /**
     * Returns the client's address: where the proxied connection came from.
     *
     * @return the address and port, empty for LOCAL and UNKNOWN headers
     */
    public Optional<InetSocketAddress> source() {
        return Optional.ofNullable(source);
    }

    /**
     * Returns the address the client connected to (usually the proxy's).
     *
     * @return the address and port, empty for LOCAL and UNKNOWN headers
     */
    public Optional<InetSocketAddress> destination() {
        return Optional.ofNullable(destination);
    }

    /**
     * Returns the version 2 fields.
     *
     * @return the fields in header order, an unmodifiable list, empty if none
     */
    public List<Tlv> tlvs() {
        return tlvs;
    }

    /**
     * Encodes this header as a version 1 text line, such as
     * {@code PROXY TCP4 192.0.2.1 198.51.100.7 51234 443\r\n}, at most 107 bytes. IPv6 addresses
     * are written in their shortest form (RFC 5952); LOCAL and UNKNOWN headers become
     * {@code PROXY UNKNOWN\r\n}; TLVs are left out, as version 1 has none.
     *
     * @return a new buffer holding the line, from position 0 to its limit
     */
    public ByteBuffer encodeV1() {
        return V1Line.encode(this);
    }

    /**
     * Encodes this header in the binary version 2 form: the 12-byte signature, version and
     * command, family and protocol, the length, the address block and the TLVs. A CRC32C field's
     * value is computed here, whatever it held.
     *
     * @return a new buffer holding the header, from position 0 to its limit
     */
    public ByteBuffer encodeV2() {
        return V2Block.encode(this);
    }

    /**
     * Compares command, family, addresses and fields.
     *
     * @param other any object
     * @return whether {@code other} is an equal header
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof ProxyHeader header && header.command == command && header.family == family
                && Objects.equals(header.source, source) && Objects.equals(header.destination, destination)
                && header.tlvs.equals(tlvs);
    }

    /**
     * Hashes command, family, addresses and fields.
     *
     * @return the hash
     */
    @Override
    public int hashCode() {
        return Objects.hash(command, family, source, destination, tlvs);
    }

    /**
     * Describes the header.
     *
     * @return for example {@code PROXY TCP4 /192.0.2.1:51234 -> /198.51.100.7:443}, or
     *     {@code LOCAL}, followed by the fields if any
     */
    @Override
    public String toString() {
        String text = command == Command.LOCAL ? "LOCAL"
                : family == Family.UNKNOWN ? "PROXY UNKNOWN" : "PROXY " + family + " " + source + " -> " + destination;
        return tlvs.isEmpty() ? text : text + " " + tlvs;
    }

    private static InetAddress resolved(InetSocketAddress address, String name) {
        Objects.requireNonNull(address, name);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(name + " is unresolved: " + address);
        }
        return address.getAddress();
    }

    /** The IPv4 address without a host name, so that nothing prints or looks one up. */
    private static InetAddress plain(InetAddress address) {
        try {
            return InetAddress.getByAddress(address.getAddress());
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are an IPv4 address", e);
        }
    }

    /** The address as a scope-free IPv6 address; an IPv4 address becomes IPv4-mapped. */
    private static Inet6Address asIpv6(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            bytes = mapped;
        }
        try {
            // Inet6Address.getByAddress keeps an IPv4-mapped address IPv6, InetAddress's wouldn't.
            return Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 bytes are an IPv6 address", e);
        }
    }
}
