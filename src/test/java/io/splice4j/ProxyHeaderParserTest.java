package io.splice4j;

import static io.splice4j.ProxyHeaderTest.ascii;
import static io.splice4j.ProxyHeaderTest.at;
import static io.splice4j.ProxyHeaderTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.ProxyHeader.Tlv;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Feeding the parser: split input, the bytes after the header, fast failure, exact messages. */
class ProxyHeaderParserTest {

    private static final String SIG = "0d0a0d0a000d0a515549540a";

    static Stream<ProxyHeader> headers() {
        return Stream.of(ProxyHeaderTest.tcp4(), ProxyHeaderTest.tcp6(), ProxyHeader.local(), ProxyHeader.unknown(),
                ProxyHeaderTest.tcp4().withTlvs(List.of(new Tlv(Tlv.CRC32C, new byte[4]),
                        new Tlv(Tlv.AUTHORITY, ascii("example.com")))));
    }

    /** Encodings of {@link #headers()} in both versions. */
    static Stream<byte[]> encodings() {
        return headers().flatMap(h -> Stream.of(bytes(h.encodeV1()), bytes(h.encodeV2())));
    }

    static byte[] payload(int length, long seed) {
        byte[] payload = new byte[length];
        new Random(seed).nextBytes(payload);
        return payload;
    }

    static String sha256(byte[] bytes, int from, int to) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, from, to - from);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * Feeds {@code input} in two parts split at {@code split}, then hands back the header and
     * whatever the parser left of the second part.
     */
    static ProxyHeader feedSplit(byte[] input, int split, ByteBuffer[] left) throws ProxyProtocolException {
        ProxyHeaderParser parser = new ProxyHeaderParser();
        ByteBuffer first = ByteBuffer.wrap(input, 0, split);
        Optional<ProxyHeader> header = parser.feed(first);
        if (header.isPresent()) {
            left[0] = ByteBuffer.allocate(first.remaining() + input.length - split).put(first)
                    .put(input, split, input.length - split).flip();
            return header.get();
        }
        assertEquals(0, first.remaining(), "a header still incomplete takes every byte");
        ByteBuffer second = ByteBuffer.wrap(input, split, input.length - split);
        header = parser.feed(second);
        assertTrue(header.isPresent(), "header complete after all of it");
        left[0] = second;
        return header.get();
    }

    @ParameterizedTest
    @MethodSource("encodings")
    void everySplitPointGivesTheHeaderAndLeavesThePayloadIntact(byte[] encoded) throws ProxyProtocolException {
        ProxyHeader expected = ProxyHeaderTest.parse(encoded);
        byte[] payload = payload(3000, encoded.length);
        byte[] input = concat(encoded, payload);
        String payloadSha = sha256(payload, 0, payload.length);
        // Every split inside the header, a few inside the payload, and none at all.
        IntStream splits = IntStream.concat(IntStream.rangeClosed(0, encoded.length + 16), IntStream.of(input.length));
        for (int split : splits.toArray()) {
            ByteBuffer[] left = new ByteBuffer[1];
            assertEquals(expected, feedSplit(input, split, left), "split at " + split);
            byte[] rest = bytes(left[0]);
            assertEquals(payload.length, rest.length, "split at " + split);
            assertEquals(payloadSha, sha256(rest, 0, rest.length), "split at " + split);
        }
    }

    @ParameterizedTest
    @MethodSource("encodings")
    void oneByteFeedsNeedMoreUntilTheLastHeaderByte(byte[] encoded) throws ProxyProtocolException {
        ProxyHeaderParser parser = new ProxyHeaderParser();
        for (int i = 0; i < encoded.length - 1; i++) {
            assertEquals(Optional.empty(), parser.feed(ByteBuffer.wrap(encoded, i, 1)), "byte " + i);
            assertEquals(i + 1, parser.bytesConsumed());
        }
        ByteBuffer last = ByteBuffer.wrap(concat(new byte[] {encoded[encoded.length - 1]}, new byte[] {42, 43}));
        assertEquals(ProxyHeaderTest.parse(encoded), parser.feed(last).orElseThrow());
        assertEquals(1, last.position(), "the payload's first byte stays in the buffer");
        assertEquals(encoded.length, parser.bytesConsumed());
    }

    @Test
    void headerStartingMidBufferLeavesTheRestFromThePosition() throws ProxyProtocolException {
        byte[] encoded = bytes(ProxyHeaderTest.tcp6().encodeV2());
        ByteBuffer buffer = ByteBuffer.allocate(100);
        buffer.put(new byte[] {7, 7, 7}).put(encoded).put(ascii("GET / HTTP/1.1\r\n")).flip().position(3);
        assertEquals(ProxyHeaderTest.tcp6(), new ProxyHeaderParser().feed(buffer).orElseThrow());
        assertEquals(3 + encoded.length, buffer.position());
        assertEquals("GET / HTTP/1.1\r\n", new String(bytes(buffer), java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void emptyFeedsAreHarmless() throws ProxyProtocolException {
        ProxyHeaderParser parser = new ProxyHeaderParser();
        assertEquals(Optional.empty(), parser.feed(ByteBuffer.allocate(0)));
        assertEquals(Optional.empty(), parser.feed(ByteBuffer.wrap(ascii("PROXY "))));
        assertEquals(Optional.empty(), parser.feed(ByteBuffer.allocate(0)));
        assertEquals(ProxyHeader.unknown(), parser.feed(ByteBuffer.wrap(ascii("UNKNOWN\r\n"))).orElseThrow());
    }

    /** Malformed input, how many bytes the parser reads before it fails, and the message. */
    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("GET / HTTP/1.1\r\n", 1,
                        "bad signature: 0x47 starts neither a v1 header (\"PROXY \") nor a v2 header (0x0d 0x0a ...)"),
                Arguments.of("PROXX TCP4", 5, "bad signature: a v1 header starts with \"PROXY \", not \"PROXX\""),
                Arguments.of("PROXY\tTCP4", 6, "bad signature: a v1 header starts with \"PROXY \", not \"PROXY\\x09\""),
                Arguments.of("PROXY TCP5 1.2.3.4", 10, "v1 protocol \"TCP5\" is not TCP4, TCP6 or UNKNOWN"),
                Arguments.of("PROXY tcp4", 7, "v1 protocol \"t\" is not TCP4, TCP6 or UNKNOWN"),
                Arguments.of("PROXY UNKNOWNS", 14, "v1 protocol \"UNKNOWNS\" is not TCP4, TCP6 or UNKNOWN"),
                Arguments.of("PROXY  TCP4", 7, "v1 protocol \"\" is not TCP4, TCP6 or UNKNOWN"),
                Arguments.of("PROXY TCP4 1.2.3.256 ", 20, "v1 source address \"1.2.3.256\" is not an IPv4 address"),
                Arguments.of("PROXY TCP4 01.2.3.4", 13, "v1 source address \"01\" is not an IPv4 address"),
                Arguments.of("PROXY TCP4 1.2.3.4.5", 19, "v1 source address \"1.2.3.4.\" is not an IPv4 address"),
                Arguments.of("PROXY TCP4 1.2.3 5", 17, "v1 source address \"1.2.3\" is not an IPv4 address"),
                Arguments.of("PROXY TCP4 ::1 ::1 1 2\r\n", 12, "v1 source address \":\" is not an IPv4 address"),
                Arguments.of("PROXY TCP6 1.2.3.4 ", 13, "v1 source address \"1.\" is not an IPv6 address"),
                Arguments.of("PROXY TCP6 ::ffff:1.2.3.4", 20, "v1 source address \"::ffff:1.\" is not an IPv6 address"),
                Arguments.of("PROXY TCP6 1::2::3", 17, "v1 source address \"1::2::\" is not an IPv6 address"),
                Arguments.of("PROXY TCP6 12345::", 16, "v1 source address \"12345\" is not an IPv6 address"),
                Arguments.of("PROXY TCP6 1:2:3:4:5:6:7:8:9", 27,
                        "v1 source address \"1:2:3:4:5:6:7:8:\" is not an IPv6 address"),
                Arguments.of("PROXY TCP6 fe80::1%eth0", 19, "v1 source address \"fe80::1%\" is not an IPv6 address"),
                Arguments.of("PROXY TCP4 1.2.3.4  ", 20, "v1 destination address \"\" is not an IPv4 address"),
                Arguments.of("PROXY TCP4 1.2.3.4 5.6.7.8 65536", 32, "v1 source port \"65536\" is not a port (0-65535)"),
                Arguments.of("PROXY TCP4 1.2.3.4 5.6.7.8 080", 29, "v1 source port \"08\" is not a port (0-65535)"),
                Arguments.of("PROXY TCP4 1.2.3.4 5.6.7.8 +80", 28, "v1 source port \"+\" is not a port (0-65535)"),
                Arguments.of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3", 31, "v1 TCP4 header has more than 4 fields after TCP4"),
                Arguments.of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", 31,
                        "v1 TCP4 header has more than 4 fields after TCP4"),
                Arguments.of("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 29, "v1 TCP4 header has 3 of the 4 fields (addresses and ports)"),
                Arguments.of("PROXY TCP4\r\n", 11, "v1 TCP4 header has no addresses or ports"),
                Arguments.of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 31, "v1 header has an LF without CR"),
                // A CR ends the line: what comes before it must be whole.
                Arguments.of("PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n", 19,
                        "v1 TCP4 header has 1 of the 4 fields (addresses and ports)"),
                Arguments.of("PROXY UNKNOWN\rX\r\n", 15, "v1 header has a CR not followed by LF"),
                Arguments.of("PROXY UNKNOWN " + "x".repeat(92) + "\r\n", 106, "v1 header without CRLF within 107 bytes"),
                Arguments.of(hexAscii(SIG.substring(0, 10) + "41"), 6,
                        "bad signature: byte 5 of a v2 header is 0x41, not 0x0d"),
                Arguments.of(hexAscii(SIG + "1100"), 13, "bad version 1 in v2 header byte 0x11, not 2"),
                Arguments.of(hexAscii(SIG + "2211"), 13, "bad command 2 in v2 header byte 0x22, not 0 (LOCAL) or 1 (PROXY)"),
                Arguments.of(hexAscii(SIG + "2113"), 14, "unknown address family 0x13"),
                Arguments.of(hexAscii(SIG + "2013"), 14, "unknown address family 0x13"),
                Arguments.of(hexAscii(SIG + "2112"), 14,
                        "unsupported address family 0x12 (UDP over IPv4): only TCP4, TCP6 and UNSPEC are taken"),
                Arguments.of(hexAscii(SIG + "2131"), 14,
                        "unsupported address family 0x31 (UNIX stream): only TCP4, TCP6 and UNSPEC are taken"),
                Arguments.of(hexAscii(SIG + "2111" + "1000"), 16, "v2 length 4096 exceeds the limit 4080"),
                Arguments.of(hexAscii(SIG + "2011" + "ffff"), 16, "v2 length 65535 exceeds the limit 4080"),
                Arguments.of(hexAscii(SIG + "2111" + "0008"), 16, "v2 length 8 is shorter than the 12-byte TCP4 address block"),
                Arguments.of(hexAscii(SIG + "2121" + "000c"), 16, "v2 length 12 is shorter than the 36-byte TCP6 address block"),
                Arguments.of(hexAscii(SIG + "2100" + "0002"), 16, "v2 TLV at offset 16 is cut off by the header's end at 18"),
                Arguments.of(hexAscii(SIG + "2100" + "0005" + "050003"), 19,
                        "v2 TLV 0x05 at offset 16 with length 3 overruns the header's end at 21"),
                Arguments.of(hexAscii(SIG + "2100" + "0006" + "030003"), 19, "v2 CRC32C TLV has length 3, not 4"),
                Arguments.of(hexAscii(SIG + "2100" + "000e" + "03000400000000" + "03000400000000"), 26,
                        "v2 header has more than one CRC32C TLV"),
                // CRC-32C of the header with its value zeroed, computed apart (Python, bitwise, 0x82F63B78).
                Arguments.of(hexAscii(SIG + "2100" + "0007" + "03000400000000"), 23,
                        "v2 CRC32C mismatch: the header says 0x00000000, its bytes give 0x3ec9894e"));
    }

    static String hexAscii(String hex) {
        return new String(HexFormat.of().parseHex(hex), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedInputFailsAtTheFirstImpossibleByteWithTheSameMessageHoweverSplit(String input, int failsAt,
            String message) {
        byte[] bytes = ascii(input);
        // Whole, with bytes after the point of failure that must not be waited for.
        ProxyHeaderParser whole = new ProxyHeaderParser();
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class,
                () -> whole.feed(ByteBuffer.wrap(bytes)));
        assertEquals(message, e.getMessage());
        // Byte by byte: every byte before the failing one needs more, the failing one throws.
        ProxyHeaderParser single = new ProxyHeaderParser();
        for (int i = 0; i < failsAt - 1; i++) {
            try {
                assertEquals(Optional.empty(), single.feed(ByteBuffer.wrap(bytes, i, 1)), "byte " + i);
            } catch (ProxyProtocolException early) {
                throw new AssertionError("failed early at byte " + i + ": " + early.getMessage(), early);
            }
        }
        ProxyProtocolException last = assertThrows(ProxyProtocolException.class,
                () -> single.feed(ByteBuffer.wrap(bytes, failsAt - 1, 1)));
        assertEquals(message, last.getMessage());
        IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> single.feed(ByteBuffer.wrap(bytes)));
        assertEquals("this parser already failed: " + message, again.getMessage());
    }

    @Test
    void lengthLimitIsTheConstructorsToChoose() throws ProxyProtocolException {
        ProxyHeader big = ProxyHeader.unknown().withTlvs(List.of(new Tlv(Tlv.NOOP, new byte[60000])));
        byte[] encoded = bytes(big.encodeV2());
        assertEquals(big, new ProxyHeaderParser(65535).feed(ByteBuffer.wrap(encoded)).orElseThrow());
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class,
                () -> new ProxyHeaderParser(59999).feed(ByteBuffer.wrap(encoded)));
        assertEquals("v2 length 60003 exceeds the limit 59999", e.getMessage());
        assertEquals(ProxyHeader.local(),
                new ProxyHeaderParser(0).feed(ByteBuffer.wrap(bytes(ProxyHeader.local().encodeV2()))).orElseThrow());
    }

    @Test
    void localHeadersAreTakenWhateverTheirFamilyAndBlock() throws ProxyProtocolException {
        // LOCAL with a TCP6 family, a 2-byte block (shorter than TCP6's) and no valid TLVs.
        byte[] local = HexFormat.of().parseHex(SIG + "2021" + "0002" + "ffff");
        assertEquals(ProxyHeader.local(), ProxyHeaderTest.parse(local));
        byte[] unix = HexFormat.of().parseHex(SIG + "2031" + "0000");
        assertEquals(ProxyHeader.local(), ProxyHeaderTest.parse(unix));
    }

    @Test
    void rejectsBadArgumentsAndReuse() throws ProxyProtocolException {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderParser(-1));
        assertEquals("maxV2Length must be 0 to 65535: -1", negative.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderParser(65536));
        assertEquals("maxV2Length must be 0 to 65535: 65536", big.getMessage());
        ProxyHeaderParser parser = new ProxyHeaderParser();
        NullPointerException nullInput = assertThrows(NullPointerException.class, () -> parser.feed(null));
        assertEquals("input", nullInput.getMessage());
        parser.feed(ByteBuffer.wrap(ascii("PROXY UNKNOWN\r\n")));
        IllegalStateException done = assertThrows(IllegalStateException.class, () -> parser.feed(ByteBuffer.allocate(1)));
        assertEquals("this parser already returned its header", done.getMessage());
    }

    @Test
    void peerBytesInMessagesAreEscaped() {
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class,
                () -> new ProxyHeaderParser().feed(ByteBuffer.wrap(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1\u001b[2J"))));
        assertEquals("v1 source port \"1\\x1b\" is not a port (0-65535)", e.getMessage());
    }
}
