package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.ProxyHeader.Command;
import io.splice4j.ProxyHeader.Family;
import io.splice4j.ProxyHeader.Tlv;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Building, encoding and decoding headers, against byte vectors written by hand from the spec. */
class ProxyHeaderTest {

    private static final String SIGNATURE = "0d0a0d0a000d0a515549540a";

    static InetSocketAddress at(String literal, int port) {
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(literal), port);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(literal, e);
        }
    }

    static ProxyHeader tcp4() {
        return ProxyHeader.of(at("192.0.2.1", 56324), at("198.51.100.7", 443));
    }

    static ProxyHeader tcp6() {
        return ProxyHeader.of(at("2001:db8::1", 65535), at("2001:db8:0:0:1:0:0:2", 0));
    }

    /** Parses bytes that must hold exactly one header. */
    static ProxyHeader parse(byte[] bytes) throws ProxyProtocolException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        Optional<ProxyHeader> header = new ProxyHeaderParser().feed(buffer);
        assertTrue(header.isPresent(), () -> "no header in " + HexFormat.of().formatHex(bytes));
        assertEquals(0, buffer.remaining(), "bytes left after the header");
        return header.get();
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static Stream<Arguments> v1Vectors() {
        return Stream.of(
                Arguments.of(tcp4(), "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"),
                Arguments.of(tcp6(), "PROXY TCP6 2001:db8::1 2001:db8::1:0:0:2 65535 0\r\n"),
                Arguments.of(ProxyHeader.of(at("0.0.0.0", 0), at("255.255.255.255", 65535)),
                        "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n"),
                Arguments.of(ProxyHeader.of(at("::", 1), at("1:0:0:2:0:0:0:3", 2)), "PROXY TCP6 :: 1:0:0:2::3 1 2\r\n"),
                Arguments.of(ProxyHeader.unknown(), "PROXY UNKNOWN\r\n"));
    }

    @ParameterizedTest
    @MethodSource("v1Vectors")
    void encodesAndDecodesV1Vectors(ProxyHeader header, String line) throws ProxyProtocolException {
        assertEquals(line, new String(bytes(header.encodeV1()), StandardCharsets.US_ASCII));
        assertEquals(header, parse(ascii(line)));
    }

    static Stream<Arguments> v2Vectors() {
        return Stream.of(
                Arguments.of(tcp4(), SIGNATURE + "21" + "11" + "000c" + "c0000201" + "c6336407" + "dc04" + "01bb"),
                Arguments.of(tcp6(), SIGNATURE + "21" + "21" + "0024" + "20010db8000000000000000000000001"
                        + "20010db8000000000001000000000002" + "ffff" + "0000"),
                Arguments.of(ProxyHeader.local(), SIGNATURE + "20" + "00" + "0000"),
                Arguments.of(ProxyHeader.unknown(), SIGNATURE + "21" + "00" + "0000"),
                Arguments.of(ProxyHeader.unknown().withTlvs(List.of(new Tlv(Tlv.AUTHORITY, ascii("example.com")))),
                        SIGNATURE + "21" + "00" + "000e" + "02" + "000b" + "6578616d706c652e636f6d"),
                Arguments.of(tcp4().withTlvs(List.of(new Tlv(Tlv.NOOP, new byte[0]), new Tlv(0xE0, new byte[] {1, 2}))),
                        SIGNATURE + "21" + "11" + "0014" + "c0000201" + "c6336407" + "dc04" + "01bb" + "040000"
                                + "e000020102"));
    }

    @ParameterizedTest
    @MethodSource("v2Vectors")
    void encodesAndDecodesV2Vectors(ProxyHeader header, String hex) throws ProxyProtocolException {
        assertEquals(hex, HexFormat.of().formatHex(bytes(header.encodeV2())));
        assertEquals(header, parse(HexFormat.of().parseHex(hex)));
    }

    static Stream<ProxyHeader> headers() {
        return Stream.of(tcp4(), tcp6(), ProxyHeader.local(), ProxyHeader.unknown(),
                ProxyHeader.of(at("10.0.0.1", 1), at("::1", 2)),
                tcp6().withTlvs(List.of(new Tlv(Tlv.ALPN, ascii("h2")), new Tlv(Tlv.UNIQUE_ID, new byte[128]))));
    }

    @ParameterizedTest
    @MethodSource("headers")
    void roundTripsV1AndV2(ProxyHeader header) throws ProxyProtocolException {
        assertEquals(header, parse(bytes(header.encodeV2())));
        // Version 1 has no LOCAL (it becomes UNKNOWN) and no TLVs.
        ProxyHeader expected = header.command() == Command.LOCAL ? ProxyHeader.unknown()
                : header.family() == Family.UNKNOWN ? ProxyHeader.unknown()
                : ProxyHeader.of(header.source().orElseThrow(), header.destination().orElseThrow());
        assertEquals(expected, parse(bytes(header.encodeV1())));
    }

    @Test
    void decodesNonCanonicalV1Literals() throws ProxyProtocolException {
        assertEquals(tcp6(), parse(ascii("PROXY TCP6 2001:0DB8:0000:0:0:0:0:0001 2001:db8:0:0:1::2 65535 0\r\n")));
        assertEquals(ProxyHeader.of(at("1::", 1), at("1:2:3:4:5:6:7::", 2)),
                parse(ascii("PROXY TCP6 1:: 1:2:3:4:5:6:7:: 1 2\r\n")));
        assertEquals(ProxyHeader.unknown(), parse(ascii("PROXY UNKNOWN whatever \u00ff follows\r\n")));
        assertEquals(ProxyHeader.unknown(), parse(ascii("PROXY UNKNOWN \r\n")));
    }

    @Test
    void mixedFamiliesBecomeTcp6WithIpv4MappedAddresses() throws ProxyProtocolException {
        ProxyHeader header = ProxyHeader.of(at("192.0.2.1", 80), at("2001:db8::7", 443));
        assertEquals(Family.TCP6, header.family());
        InetAddress source = header.source().orElseThrow().getAddress();
        assertTrue(source instanceof Inet6Address, "source must stay IPv6: " + source);
        assertArrayEquals(HexFormat.of().parseHex("00000000000000000000ffffc0000201"), source.getAddress());
        assertEquals("PROXY TCP6 ::ffff:c000:201 2001:db8::7 80 443\r\n", new String(bytes(header.encodeV1()),
                StandardCharsets.US_ASCII));
        String hex = HexFormat.of().formatHex(bytes(header.encodeV2()));
        assertEquals(SIGNATURE + "2121" + "0024" + "00000000000000000000ffffc0000201", hex.substring(0, 64));
        assertEquals(header, parse(bytes(header.encodeV1())));
        assertEquals(header, parse(bytes(header.encodeV2())));
    }

    @Test
    void dropsScopeIdsAndHostNames() throws Exception {
        InetAddress scoped = Inet6Address.getByAddress(null, InetAddress.ofLiteral("fe80::1").getAddress(), 3);
        ProxyHeader header = ProxyHeader.of(new InetSocketAddress(scoped, 1), at("fe80::2", 2));
        assertEquals(0, ((Inet6Address) header.source().orElseThrow().getAddress()).getScopeId());
        assertEquals("PROXY TCP6 fe80::1 fe80::2 1 2\r\n", new String(bytes(header.encodeV1()),
                StandardCharsets.US_ASCII));
        ProxyHeader named = ProxyHeader.of(new InetSocketAddress(InetAddress.getByAddress("host.example",
                new byte[] {10, 0, 0, 1}), 5), at("10.0.0.2", 6));
        assertEquals("PROXY TCP4 /10.0.0.1:5 -> /10.0.0.2:6", named.toString());
    }

    @Test
    void longestV1LineFitsIn107Bytes() throws ProxyProtocolException {
        String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        ProxyHeader header = ProxyHeader.of(at(full, 65535), at(full, 65535));
        byte[] line = bytes(header.encodeV1());
        assertEquals(104, line.length);
        assertEquals(header, parse(line));
        String unknown = "PROXY UNKNOWN " + "x".repeat(107 - 16) + "\r\n";
        assertEquals(107, unknown.length());
        assertEquals(ProxyHeader.unknown(), parse(ascii(unknown)));
    }

    @Test
    void crc32cIsComputedOnEncodeAndCheckedOnDecode() throws ProxyProtocolException {
        ProxyHeader header = tcp4().withTlvs(List.of(new Tlv(Tlv.CRC32C, new byte[4]), new Tlv(Tlv.NOOP, new byte[3])));
        byte[] encoded = bytes(header.encodeV2());
        // CRC32C (Castagnoli) of the header with the checksum's 4 bytes zeroed, by java.util.zip.CRC32C.
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        byte[] zeroed = encoded.clone();
        System.arraycopy(new byte[4], 0, zeroed, 31, 4);
        crc.update(zeroed);
        assertEquals((int) crc.getValue(), ByteBuffer.wrap(encoded, 31, 4).getInt());
        ProxyHeader decoded = parse(encoded);
        assertEquals(ByteBuffer.wrap(encoded, 31, 4).getInt(), ByteBuffer.wrap(decoded.tlvs().get(0).value()).getInt());
        assertArrayEquals(encoded, bytes(decoded.encodeV2()), "re-encoding a decoded header gives the same bytes");

        encoded[25] ^= 1; // a port bit
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> parse(encoded));
        assertTrue(e.getMessage().startsWith("v2 CRC32C mismatch: the header says 0x"), e.getMessage());
    }

    @Test
    void factoriesRejectBadInput() {
        NullPointerException source = assertThrows(NullPointerException.class, () -> ProxyHeader.of(null, at("::1", 1)));
        assertEquals("source", source.getMessage());
        NullPointerException destination = assertThrows(NullPointerException.class,
                () -> ProxyHeader.of(at("::1", 1), null));
        assertEquals("destination", destination.getMessage());
        IllegalArgumentException unresolved = assertThrows(IllegalArgumentException.class,
                () -> ProxyHeader.of(InetSocketAddress.createUnresolved("example.com", 80), at("::1", 1)));
        assertEquals("source is unresolved: example.com/<unresolved>:80", unresolved.getMessage());

        IllegalStateException local = assertThrows(IllegalStateException.class,
                () -> ProxyHeader.local().withTlvs(List.of()));
        assertEquals("a LOCAL header carries no TLVs: receivers discard them", local.getMessage());
        NullPointerException tlvs = assertThrows(NullPointerException.class, () -> tcp4().withTlvs(null));
        assertEquals("tlvs", tlvs.getMessage());
        IllegalArgumentException twoCrcs = assertThrows(IllegalArgumentException.class, () -> tcp4().withTlvs(
                List.of(new Tlv(Tlv.CRC32C, new byte[4]), new Tlv(Tlv.CRC32C, new byte[4]))));
        assertEquals("tlvs may hold one CRC32C field (type 0x03) of 4 bytes", twoCrcs.getMessage());
        IllegalArgumentException shortCrc = assertThrows(IllegalArgumentException.class,
                () -> tcp4().withTlvs(List.of(new Tlv(Tlv.CRC32C, new byte[2]))));
        assertEquals("tlvs may hold one CRC32C field (type 0x03) of 4 bytes", shortCrc.getMessage());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> tcp6().withTlvs(
                List.of(new Tlv(1, new byte[65000]), new Tlv(2, new byte[500]))));
        assertEquals("tlvs make the v2 length 65542, more than 65535", tooLong.getMessage());

        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> new Tlv(256, new byte[0]));
        assertEquals("type must be 0 to 255: 256", type.getMessage());
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
                () -> new Tlv(1, new byte[65536]));
        assertEquals("value must be at most 65535 bytes: 65536", value.getMessage());
        NullPointerException nullValue = assertThrows(NullPointerException.class, () -> new Tlv(1, null));
        assertEquals("value", nullValue.getMessage());
    }

    @Test
    void tlvValuesAreCopiedInAndOut() {
        byte[] value = {1, 2, 3};
        Tlv tlv = new Tlv(Tlv.AUTHORITY, value);
        value[0] = 9;
        tlv.value()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, tlv.value());
        assertEquals(new Tlv(2, new byte[] {1, 2, 3}), tlv);
        assertEquals(new Tlv(2, new byte[] {1, 2, 3}).hashCode(), tlv.hashCode());
        assertEquals("Tlv[0x02: 010203]", tlv.toString());
    }

    @Test
    void describesItself() {
        assertEquals("PROXY TCP4 /192.0.2.1:56324 -> /198.51.100.7:443", tcp4().toString());
        assertEquals("LOCAL", ProxyHeader.local().toString());
        assertEquals("PROXY UNKNOWN [Tlv[0x04: ]]",
                ProxyHeader.unknown().withTlvs(List.of(new Tlv(Tlv.NOOP, new byte[0]))).toString());
        assertEquals(Optional.empty(), ProxyHeader.local().source());
        assertEquals(Optional.empty(), ProxyHeader.unknown().destination());
    }
}
