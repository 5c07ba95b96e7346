package io.splice4j;

import static io.splice4j.TlsHelloBytes.alpn;
import static io.splice4j.TlsHelloBytes.ascii;
import static io.splice4j.TlsHelloBytes.body;
import static io.splice4j.TlsHelloBytes.concat;
import static io.splice4j.TlsHelloBytes.extension;
import static io.splice4j.TlsHelloBytes.extensionBlock;
import static io.splice4j.TlsHelloBytes.handshake;
import static io.splice4j.TlsHelloBytes.recordHeader;
import static io.splice4j.TlsHelloBytes.records;
import static io.splice4j.TlsHelloBytes.serverName;
import static io.splice4j.TlsHelloBytes.supportedVersions;
import static io.splice4j.TlsHelloBytes.u16;
import static io.splice4j.TlsHelloBytes.vector16;
import static io.splice4j.TlsHelloBytes.wire;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.ClientHellos;
import io.splice4j.support.Splits;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Feeding the parser: the JDK's own hellos whole, split and re-framed, the bytes after them, the limit, exact messages. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsClientHelloParserTest {

    private static final Map<String, byte[]> JDK = new ConcurrentHashMap<>();

    /** A JDK hello of each version, with and without SNI and ALPN: protocol, server name, ALPN protocols. */
    static Stream<Arguments> jdkHellos() {
        return Stream.of("TLSv1.2", "TLSv1.3").flatMap(protocol -> Stream.of(
                Arguments.of(protocol, "Example.COM", new String[] {"h2", "http/1.1"}),
                Arguments.of(protocol, "example.com", new String[0]),
                Arguments.of(protocol, null, new String[] {"h2"}),
                Arguments.of(protocol, null, new String[0])));
    }

    /** The wire bytes of one of {@link #jdkHellos()}, made once per run. */
    static byte[] jdk(String protocol, String serverName, String... alpn) {
        return JDK.computeIfAbsent(protocol + " " + serverName + " " + Arrays.toString(alpn),
                key -> ClientHellos.jdk(protocol, serverName, alpn)).clone();
    }

    static Stream<byte[]> jdkWires() {
        return jdkHellos().map(a -> jdk((String) a.get()[0], (String) a.get()[1], (String[]) a.get()[2]));
    }

    @ParameterizedTest
    @MethodSource("jdkHellos")
    void readsTheJdksOwnHellos(String protocol, String serverName, String[] alpn) throws Exception {
        byte[] wire = jdk(protocol, serverName, alpn);
        ByteBuffer input = ByteBuffer.wrap(wire);
        TlsClientHelloParser parser = new TlsClientHelloParser();
        TlsClientHello hello = parser.feed(input).orElseThrow();
        assertEquals(Optional.ofNullable(serverName).map(n -> n.toLowerCase(java.util.Locale.ROOT)), hello.serverName());
        assertEquals(List.of(alpn), hello.alpn());
        assertEquals(0x0303, hello.legacyVersion());
        assertEquals(List.of(protocol.equals("TLSv1.3") ? 0x0304 : 0x0303), hello.supportedVersions());
        assertEquals(wire.length, hello.bytesConsumed());
        assertEquals(wire.length, parser.bytesConsumed());
        assertEquals(wire.length, input.position());
        if (serverName != null) {
            // The name is lower-cased by the parser, not by the JDK.
            assertTrue(new String(wire, java.nio.charset.StandardCharsets.ISO_8859_1).contains(serverName));
        }
    }

    @ParameterizedTest
    @MethodSource("jdkWires")
    void aHelloFedByteByByteIsTheSameHello(byte[] wire) throws Exception {
        TlsClientHello whole = parse(wire);
        TlsClientHelloParser parser = new TlsClientHelloParser();
        for (int i = 0; i < wire.length - 1; i++) {
            ByteBuffer one = ByteBuffer.wrap(wire, i, 1);
            assertEquals(Optional.empty(), parser.feed(one), "byte " + i);
            assertEquals(0, one.remaining(), "an incomplete hello takes every byte");
            assertEquals(i + 1, parser.bytesConsumed());
        }
        assertEquals(Optional.of(whole), parser.feed(ByteBuffer.wrap(wire, wire.length - 1, 1)));
    }

    @ParameterizedTest
    @MethodSource("jdkWires")
    void everySplitGivesTheSameHelloAndLeavesTheBytesAfterIt(byte[] wire) throws Exception {
        TlsClientHello whole = parse(wire);
        byte[] after = concat(recordHeader(0x17, 3), new byte[] {7, 8, 9});
        byte[] input = concat(wire, after);
        for (int split = 0; split < wire.length; split++) {
            TlsClientHelloParser parser = new TlsClientHelloParser();
            assertEquals(Optional.empty(), parser.feed(ByteBuffer.wrap(input, 0, split)), "split " + split);
            ByteBuffer rest = ByteBuffer.wrap(input, split, input.length - split);
            assertEquals(Optional.of(whole), parser.feed(rest), "split " + split);
            assertEquals(ByteBuffer.wrap(after), rest, "split " + split);
        }
    }

    @ParameterizedTest
    @MethodSource("jdkWires")
    void aHelloCutIntoRecordsOfAnySizeIsTheSameHello(byte[] wire) throws Exception {
        TlsClientHello whole = parse(wire);
        byte[] message = TlsHelloBytes.message(wire);
        Random random = new Random(wire.length);
        List<int[]> cuts = List.of(new int[] {1}, new int[] {2, 1, 1}, new int[] {4}, new int[] {5},
                new int[] {message.length - 1}, Splits.bytes(message.length),
                random.ints(20, 1, 40).toArray(), random.ints(3, 50, 120).toArray());
        for (int[] cut : cuts) {
            byte[] reframed = records(message, cut);
            TlsClientHello expected = new TlsClientHello(whole.serverName(), whole.alpn(), whole.legacyVersion(),
                    whole.supportedVersions(), reframed.length);
            String where = "records of " + Arrays.toString(cut);
            assertEquals(expected, parse(reframed), where);
            // Byte by byte too: record and message headers then straddle every feed.
            TlsClientHelloParser parser = new TlsClientHelloParser();
            Optional<TlsClientHello> hello = Optional.empty();
            for (int i = 0; i < reframed.length; i++) {
                assertEquals(Optional.empty(), hello, where + ": complete before byte " + i);
                hello = parser.feed(ByteBuffer.wrap(reframed, i, 1));
            }
            assertEquals(Optional.of(expected), hello, where);
        }
    }

    @Test
    void aHelloWithoutExtensionsIsValid() throws Exception {
        byte[] wire = wire(body(0x0301, new byte[0], null));
        assertEquals(new TlsClientHello(Optional.empty(), List.of(), 0x0301, List.of(), wire.length), parse(wire));
        byte[] empty = wire(body(0x0303, new byte[32], vector16(new byte[0])));
        assertEquals(new TlsClientHello(Optional.empty(), List.of(), 0x0303, List.of(), empty.length), parse(empty));
    }

    @Test
    void readsServerNameAlpnAndVersionsAmongOtherExtensions() throws Exception {
        byte[] sni = extension(0, vector16(concat(new byte[] {7}, vector16(ascii("opaque")), new byte[] {0},
                vector16(ascii("A-1.Example.ORG")))));
        byte[] wire = wire(body(extension(0x0a0a, new byte[0]), sni, extension(0xff01, new byte[] {0}),
                alpn("h2", "http/1.1", "\u00ff"), supportedVersions(0x7a7a, 0x0304, 0x0303)));
        assertEquals(new TlsClientHello(Optional.of("a-1.example.org"), List.of("h2", "http/1.1", "\u00ff"), 0x0303,
                List.of(0x7a7a, 0x0304, 0x0303), wire.length), parse(wire));
    }

    @Test
    void aServerNameWithoutAHostNameIsNoServerName() throws Exception {
        byte[] wire = wire(body(extension(0, vector16(concat(new byte[] {1}, vector16(ascii("x")))))));
        assertEquals(Optional.empty(), parse(wire).serverName());
    }

    @Test
    void acceptsHostNamesAtTheLimitsOfDns() throws Exception {
        String label63 = "a".repeat(63);
        String name253 = String.join(".", label63, label63, label63, "b".repeat(61));
        for (String name : List.of("a", "localhost", "xn--bcher-kva.example", label63 + ".com", name253, "1.2.3.com",
                "a1.b-2.c3", "123.example", "example.c0m")) {
            assertEquals(Optional.of(name), parse(wire(body(serverName(name)))).serverName(), name);
        }
    }

    @Test
    void takesNoBytePastTheHello() throws Exception {
        byte[] wire = jdk("TLSv1.3", "example.com");
        byte[] earlyData = concat(recordHeader(0x17, 2), new byte[] {1, 2});
        ByteBuffer input = ByteBuffer.wrap(concat(wire, earlyData));
        TlsClientHelloParser parser = new TlsClientHelloParser();
        assertTrue(parser.feed(input).isPresent());
        assertEquals(wire.length, input.position());
        assertEquals(wire.length, parser.bytesConsumed());
    }

    // ---------------------------------------------------------------- the limit

    @Test
    void aHelloOfExactlyTheLimitIsTakenAndOneByteMoreIsNot() throws Exception {
        byte[] wire = wire(body(serverName("example.com"), extension(21, new byte[1000])));
        assertEquals(wire.length, new TlsClientHelloParser(wire.length).feed(ByteBuffer.wrap(wire)).orElseThrow()
                .bytesConsumed());
        // The record header shows the size: the parser fails after its 5 bytes, not after the record.
        TlsClientHelloParser parser = new TlsClientHelloParser(wire.length - 1);
        ByteBuffer input = ByteBuffer.wrap(wire);
        TlsClientHelloException e = assertThrows(TlsClientHelloException.class, () -> parser.feed(input));
        assertEquals("the ClientHello needs at least " + wire.length + " bytes, more than the limit of "
                + (wire.length - 1), e.getMessage());
        assertEquals(5, input.position());
    }

    @Test
    void theLimitCountsTheHeadersOfEveryRecord() throws Exception {
        byte[] message = handshake(body(serverName("example.com")));
        byte[] single = records(message);
        byte[] split = records(message, 10);
        assertEquals(single.length + 5, split.length);
        assertEquals(single.length, new TlsClientHelloParser(single.length).feed(ByteBuffer.wrap(single)).orElseThrow()
                .bytesConsumed());
        // The message header, in the first record, shows that a second record's header is needed.
        TlsClientHelloException e = assertThrows(TlsClientHelloException.class,
                () -> new TlsClientHelloParser(single.length).feed(ByteBuffer.wrap(split)));
        assertEquals("the ClientHello needs at least " + split.length + " bytes, more than the limit of "
                + single.length, e.getMessage());
        assertEquals(split.length, new TlsClientHelloParser(split.length).feed(ByteBuffer.wrap(split)).orElseThrow()
                .bytesConsumed());
    }

    @Test
    void aDeclaredLengthPastTheLimitFailsAtItsHeader() throws Exception {
        // 16 MiB declared in a message header: no byte of it need arrive, and nothing of that size is allocated.
        byte[] start = concat(recordHeader(0x16, 100), new byte[] {1, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        TlsClientHelloException e = assertThrows(TlsClientHelloException.class,
                () -> new TlsClientHelloParser().feed(ByteBuffer.wrap(start)));
        assertEquals("the ClientHello needs at least " + (9 + 0xffffff + 5) + " bytes, more than the limit of "
                + TlsClientHelloParser.DEFAULT_MAX_BYTES, e.getMessage());
        // A large limit of its own does not make the parser allocate what a peer declares either.
        TlsClientHelloParser large = new TlsClientHelloParser(1 << 26);
        byte[] big = concat(recordHeader(0x16, 16384), new byte[] {1, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertEquals(Optional.empty(), large.feed(ByteBuffer.wrap(big)));
    }

    // ---------------------------------------------------------------- malformed input

    /** Input, the limit, and the exact message. */
    static Stream<Arguments> malformed() {
        byte[] valid = wire(body(serverName("example.com")));
        byte[] twoRecords = records(handshake(body(serverName("example.com"))), 20);
        byte[] withTrailing = concat(recordHeader(0x16, valid.length - 5 + 3), Arrays.copyOfRange(valid, 5, valid.length),
                new byte[3]);
        byte[] secondAlert = twoRecords.clone();
        secondAlert[25] = 0x15;
        return Stream.of(
                // Records
                Arguments.of(ascii("GET / HTTP/1.1\r\n"), "not a TLS handshake record: the first byte is 0x47, not 0x16"),
                Arguments.of(hex("802e0103010015"), "not a TLS handshake record: the first byte 0x80 starts an"
                        + " SSLv2-compatible ClientHello, which is not supported"),
                Arguments.of(hex("15030300020228"), "not a TLS handshake record: the first byte is 0x15, not 0x16"),
                Arguments.of(hex("1602000100"), "record 1 has major version 0x02, not TLS's 0x03"),
                Arguments.of(hex("1603010000"), "record 1 is empty, which a handshake record may not be"),
                Arguments.of(hex("1603014001"), "record 1 has length 16385, more than the 16384 TLS allows"),
                Arguments.of(secondAlert, "record 2 has content type 0x15, not handshake (0x16), before the"
                        + " ClientHello's end"),
                Arguments.of(withTrailing, "record 1 holds 3 bytes past the ClientHello's end"),
                Arguments.of(concat(valid, hex("16")), null),
                // The handshake message
                Arguments.of(hex("160303000402000026"), "not a ClientHello: the handshake message type is 2, not 1"),
                Arguments.of(hex("16030100040100002841"), "ClientHello length 40 is less than the smallest possible, 41"),
                Arguments.of(wire(body(0x0200, new byte[0], null)), "malformed ClientHello: legacy_version 0x0200 is not 0x03xx"),
                Arguments.of(wire(body(0x0303, new byte[33], null)),
                        "malformed ClientHello: legacy_session_id length 33 is more than 32"),
                Arguments.of(wire(withSuites(hex("0003130113"))), "malformed ClientHello: cipher_suites length 3 is not a"
                        + " positive even number"),
                Arguments.of(wire(withSuites(hex("0000"))), "malformed ClientHello: cipher_suites length 0 is not a"
                        + " positive even number"),
                Arguments.of(wire(withSuites(hex("0040" + "00".repeat(10)))),
                        "truncated ClientHello: cipher_suites needs 64 bytes, 22 are left"),
                Arguments.of(wire(withCompression(hex("00"))), "malformed ClientHello: legacy_compression_methods is empty"),
                Arguments.of(wire(concat(body(0x0303, new byte[0], null), hex("00"))),
                        "truncated ClientHello: extensions length needs 2 bytes, 1 is left"),
                Arguments.of(wire(body(0x0303, new byte[0], hex("0005" + "00000000"))),
                        "truncated ClientHello: extensions needs 5 bytes, 4 are left"),
                Arguments.of(wire(body(0x0303, new byte[0], hex("0004" + "0017000000"))),
                        "malformed ClientHello: 1 byte follows extensions"),
                Arguments.of(wire(body(0x0303, new byte[0], extensionBlock(hex("1234000a0000")))),
                        "truncated ClientHello: extension 0x1234 needs 10 bytes, 2 are left"),
                Arguments.of(wire(body(0x0303, new byte[0], extensionBlock(hex("12")))),
                        "truncated ClientHello: extension type needs 2 bytes, 1 is left"),
                Arguments.of(wire(body(serverName("a.example"), extension(23, new byte[0]), serverName("b.example"))),
                        "malformed ClientHello: server_name extension appears twice"),
                Arguments.of(wire(body(extension(23, new byte[0]), extension(23, new byte[0]))),
                        "malformed ClientHello: extension 0x0017 appears twice"),
                // server_name
                Arguments.of(wire(body(extension(0, new byte[0]))),
                        "truncated server_name extension: server_name_list length needs 2 bytes, 0 are left"),
                Arguments.of(wire(body(extension(0, vector16(new byte[0])))),
                        "malformed server_name extension: server_name_list length 0 is less than 1"),
                Arguments.of(wire(body(extension(0, hex("0010000003616263")))),
                        "truncated server_name extension: server_name_list needs 16 bytes, 6 are left"),
                Arguments.of(wire(body(extension(0, hex("000600000361626300")))),
                        "malformed server_name extension: 1 byte follows server_name_list"),
                Arguments.of(wire(body(extension(0, hex("0006000005616263")))),
                        "truncated server_name extension: host_name needs 5 bytes, 3 are left"),
                Arguments.of(wire(body(extension(0, vector16(hex("00000161" + "00000162"))))),
                        "malformed server_name extension: more than one host_name"),
                Arguments.of(wire(body(serverName(""))),
                        "malformed server_name extension: host_name \"\" is not a DNS name: it is empty"),
                Arguments.of(wire(body(serverName("a..b"))),
                        "malformed server_name extension: host_name \"a..b\" is not a DNS name: it has an empty label"),
                Arguments.of(wire(body(serverName(".a"))),
                        "malformed server_name extension: host_name \".a\" is not a DNS name: it has an empty label"),
                Arguments.of(wire(body(serverName("example.com."))),
                        "malformed server_name extension: host_name \"example.com.\" is not a DNS name: it ends with a dot"),
                Arguments.of(wire(body(serverName("-a.com"))), "malformed server_name extension: host_name \"-a.com\" is"
                        + " not a DNS name: a label starts or ends with a hyphen"),
                Arguments.of(wire(body(serverName("a-.com"))), "malformed server_name extension: host_name \"a-.com\" is"
                        + " not a DNS name: a label starts or ends with a hyphen"),
                Arguments.of(wire(body(serverName("under_score.com"))), "malformed server_name extension: host_name"
                        + " \"under_score.com\" is not a DNS name: it has the byte 0x5f, not a letter, digit, hyphen or dot"),
                Arguments.of(wire(body(serverName("caf\u00e9.example"))), "malformed server_name extension: host_name"
                        + " \"caf\\xe9.example\" is not a DNS name: it has the byte 0xe9, not a letter, digit, hyphen or dot"),
                Arguments.of(wire(body(serverName("a\"\\\r\n"))), "malformed server_name extension: host_name"
                        + " \"a\\x22\\x5c\\x0d\\x0a\" is not a DNS name: it has the byte 0x22, not a letter, digit, hyphen or dot"),
                Arguments.of(wire(body(serverName("::1"))), "malformed server_name extension: host_name \"::1\" is"
                        + " not a DNS name: it has the byte 0x3a, not a letter, digit, hyphen or dot"),
                Arguments.of(wire(body(serverName("192.0.2.1"))), "malformed server_name extension: host_name"
                        + " \"192.0.2.1\" is not a DNS name: its last label is all digits, as in an IP address, which SNI"
                        + " does not allow"),
                Arguments.of(wire(body(serverName("a".repeat(64) + ".com"))), "malformed server_name extension:"
                        + " host_name \"" + "a".repeat(64) + "...\" (68 bytes) is not a DNS name: a label is longer"
                        + " than 63 characters"),
                Arguments.of(wire(body(serverName("a.".repeat(127) + "a"))), "malformed server_name extension:"
                        + " host_name \"" + "a.".repeat(32) + "...\" (255 bytes) is not a DNS name: it is longer than 253"
                        + " characters"),
                // ALPN
                Arguments.of(wire(body(extension(16, vector16(new byte[0])))),
                        "malformed ALPN extension: protocol_name_list length 0 is less than 2"),
                Arguments.of(wire(body(extension(16, hex("00020000")))), "malformed ALPN extension: an empty protocol name"),
                Arguments.of(wire(body(extension(16, hex("0003036832")))),
                        "truncated ALPN extension: protocol name needs 3 bytes, 2 are left"),
                Arguments.of(wire(body(extension(16, hex("0004026832")))),
                        "truncated ALPN extension: protocol_name_list needs 4 bytes, 3 are left"),
                // supported_versions
                Arguments.of(wire(body(extension(43, hex("030304030")))),
                        "malformed supported_versions extension: versions length 3 is not an even number from 2 to 254"),
                Arguments.of(wire(body(extension(43, hex("00")))),
                        "malformed supported_versions extension: versions length 0 is not an even number from 2 to 254"),
                Arguments.of(wire(body(extension(43, hex("0203040000")))),
                        "malformed supported_versions extension: 2 bytes follow versions"),
                Arguments.of(wire(body(extension(43, hex("040304")))),
                        "truncated supported_versions extension: versions needs 4 bytes, 2 are left"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedInputFailsWithItsMessageHoweverItIsFed(byte[] input, String message) throws Exception {
        if (message == null) {
            // A valid hello followed by more: not malformed, the rest is left.
            ByteBuffer buffer = ByteBuffer.wrap(input);
            assertTrue(new TlsClientHelloParser().feed(buffer).isPresent());
            assertEquals(1, buffer.remaining());
            return;
        }
        TlsClientHelloException whole = assertThrows(TlsClientHelloException.class,
                () -> new TlsClientHelloParser().feed(ByteBuffer.wrap(input)));
        assertEquals(message, whole.getMessage());
        TlsClientHelloParser parser = new TlsClientHelloParser();
        TlsClientHelloException bytewise = assertThrows(TlsClientHelloException.class, () -> {
            for (int i = 0; i < input.length; i++) {
                parser.feed(ByteBuffer.wrap(input, i, 1));
            }
        });
        assertEquals(message, bytewise.getMessage());
    }

    @Test
    void framingFailsAtTheFirstByteThatShowsIt() throws Exception {
        // Nothing is waited for once the bytes so far start no ClientHello.
        for (String start : List.of("47", "80", "1602", "1603010000", "160301000102", "1603014001")) {
            byte[] input = hex(start);
            ByteBuffer buffer = ByteBuffer.wrap(concat(input, new byte[100]));
            assertThrows(TlsClientHelloException.class, () -> new TlsClientHelloParser().feed(buffer), start);
            assertEquals(input.length, buffer.position(), start);
        }
    }

    // ---------------------------------------------------------------- the parser's life

    @Test
    void aSpentParserRefusesMoreInput() throws Exception {
        TlsClientHelloParser parser = new TlsClientHelloParser();
        parser.feed(ByteBuffer.wrap(jdk("TLSv1.3", "example.com")));
        IllegalStateException done = assertThrows(IllegalStateException.class,
                () -> parser.feed(ByteBuffer.allocate(1)));
        assertEquals("this parser already returned its ClientHello", done.getMessage());

        TlsClientHelloParser failed = new TlsClientHelloParser();
        assertThrows(TlsClientHelloException.class, () -> failed.feed(ByteBuffer.wrap(ascii("G"))));
        IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> failed.feed(ByteBuffer.wrap(new byte[] {0x16})));
        assertEquals("this parser already failed: not a TLS handshake record: the first byte is 0x47, not 0x16",
                again.getMessage());
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> new TlsClientHelloParser(49));
        assertEquals("maxBytes must be at least 50: 49", small.getMessage());
        NullPointerException input = assertThrows(NullPointerException.class, () -> new TlsClientHelloParser().feed(null));
        assertEquals("input", input.getMessage());
        // The smallest hello there is fits the smallest limit.
        byte[] smallest = wire(body(0x0303, new byte[0], null));
        assertEquals(TlsClientHelloParser.MIN_MAX_BYTES, smallest.length);
    }

    @Test
    void anEmptyBufferChangesNothing() throws Exception {
        TlsClientHelloParser parser = new TlsClientHelloParser();
        assertEquals(Optional.empty(), parser.feed(ByteBuffer.allocate(0)));
        assertEquals(0, parser.bytesConsumed());
        assertTrue(parser.feed(ByteBuffer.wrap(jdk("TLSv1.2", null))).isPresent());
    }

    // ---------------------------------------------------------------- helpers

    static TlsClientHello parse(byte[] wire) throws TlsClientHelloException {
        ByteBuffer input = ByteBuffer.wrap(wire);
        TlsClientHello hello = new TlsClientHelloParser().feed(input).orElseThrow(
                () -> new AssertionError("incomplete: " + HexFormat.of().formatHex(wire)));
        assertEquals(0, input.remaining());
        return hello;
    }

    /** A body with these bytes, length included, as its cipher suites, and an extension to make up the least length. */
    private static byte[] withSuites(byte[] suites) {
        return concat(hex("0303"), new byte[32], hex("00"), suites, hex("0100"), extensionBlock(extension(23, new byte[4])));
    }

    /** A body with these bytes, length included, as its compression methods. */
    private static byte[] withCompression(byte[] methods) {
        return concat(hex("0303"), new byte[32], hex("00"), hex("00021301"), methods, u16(0));
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.length() % 2 == 0 ? hex : hex + "0");
    }
}
