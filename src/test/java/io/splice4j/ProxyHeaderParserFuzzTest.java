package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splice4j.ProxyHeader.Tlv;
import io.splice4j.support.FuzzSeed;
import io.splice4j.support.Splits;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random and mutated inputs against an oracle written apart from the parser: a regular expression
 * for version 1 (with {@link Matcher#hitEnd()} telling a start of a line from a dead end) and a
 * direct reading of the version 2 layout. For every input the parser must agree: a header exactly
 * when the input starts with a whole valid one (taking exactly its bytes), "need more" exactly when
 * the input is the start of one, and otherwise a {@link ProxyProtocolException} with a known
 * message; the same however the input is split; never any other exception.
 *
 * <p>The seed is random per run and printed; rerun one with {@code -Dsplice4j.fuzz.seed=N}.
 */
class ProxyHeaderParserFuzzTest {

    private static final int CASES = 10_000;
    private static final int MAX_V2 = ProxyHeaderParser.DEFAULT_MAX_V2_LENGTH;
    private static final byte[] SIGNATURE = HexFormat.of().parseHex("0d0a0d0a000d0a515549540a");

    private static final String H = "[0-9A-Fa-f]{1,4}";
    private static final String IPV6 = String.join("|",
            "(?:" + H + ":){7}" + H,
            "(?:" + H + ":){1,7}:",
            "(?:" + H + ":){1,6}:" + H,
            "(?:" + H + ":){1,5}(?::" + H + "){1,2}",
            "(?:" + H + ":){1,4}(?::" + H + "){1,3}",
            "(?:" + H + ":){1,3}(?::" + H + "){1,4}",
            "(?:" + H + ":){1,2}(?::" + H + "){1,5}",
            H + ":(?::" + H + "){1,6}",
            ":(?:(?::" + H + "){1,7}|:)");
    private static final String OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
    private static final String IPV4 = OCTET + "(?:\\." + OCTET + "){3}";
    private static final String PORT = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}"
            + "|[1-9][0-9]{0,3}|0)";
    private static final Pattern V1 = Pattern.compile("PROXY (?:TCP4 " + IPV4 + " " + IPV4 + " " + PORT + " " + PORT
            + "|TCP6 (?:" + IPV6 + ") (?:" + IPV6 + ") " + PORT + " " + PORT + "|UNKNOWN(?: [^\r\n]*)?)\r\n");

    private static final List<Pattern> MESSAGES = List.of(
            "bad signature: .+",
            "bad version \\d+ in v2 header byte 0x[0-9a-f]{2}, not 2",
            "bad command \\d+ in v2 header byte 0x[0-9a-f]{2}, not 0 \\(LOCAL\\) or 1 \\(PROXY\\)",
            "unknown address family 0x[0-9a-f]{2}",
            "unsupported address family 0x(12|22|31|32) \\([A-Za-z0-9 ]+\\): only TCP4, TCP6 and UNSPEC are taken",
            "v2 length \\d+ exceeds the limit " + MAX_V2,
            "v2 length \\d+ is shorter than the (12-byte TCP4|36-byte TCP6) address block",
            "v2 TLV at offset \\d+ is cut off by the header's end at \\d+",
            "v2 TLV 0x[0-9a-f]{2} at offset \\d+ with length \\d+ overruns the header's end at \\d+",
            "v2 CRC32C TLV has length \\d+, not 4",
            "v2 header has more than one CRC32C TLV",
            "v2 CRC32C mismatch: the header says 0x[0-9a-f]{8}, its bytes give 0x[0-9a-f]{8}",
            "v1 protocol \"[^\"]*\" is not TCP4, TCP6 or UNKNOWN",
            "v1 (source|destination) address \"[^\"]*\" is not an IPv[46] address",
            "v1 (source|destination) port \"[^\"]*\" is not a port \\(0-65535\\)",
            "v1 TCP[46] header has more than 4 fields",
            "v1 TCP[46] header has [0-3] of the 4 fields \\(addresses and ports\\)",
            "v1 TCP[46] header has no addresses or ports",
            "v1 header has an LF without CR",
            "v1 header has a CR not followed by LF",
            "v1 header without CRLF within 107 bytes").stream().map(Pattern::compile).toList();

    /** What the oracle says of an input: it starts with a whole header of {@code length} bytes, or is the start of one, or neither. */
    private enum Verdict { COMPLETE, PREFIX, INVALID }

    private record Judgement(Verdict verdict, int length) {
        static final Judgement PREFIX = new Judgement(Verdict.PREFIX, -1);
        static final Judgement INVALID = new Judgement(Verdict.INVALID, -1);
    }

    /** What the parser did with an input; the bytes it left after a header, in hex. */
    private record Outcome(ProxyHeader header, int consumed, String rest, String failure) {
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void parserAgreesWithTheOracleOnRandomAndMutatedInput() {
        long seed = FuzzSeed.pick(ProxyHeaderParserFuzzTest.class);
        Random random = new Random(seed);
        int[] verdicts = new int[3];
        for (int i = 0; i < CASES; i++) {
            byte[] input = generate(random);
            verdicts[check(input, random, "seed " + seed + " case " + i).ordinal()]++;
        }
        System.out.printf("ProxyHeaderParserFuzzTest: %d complete, %d prefixes, %d invalid%n", verdicts[0],
                verdicts[1], verdicts[2]);
        // The generator must reach all three, or the test proves less than it says.
        for (Verdict verdict : Verdict.values()) {
            assertTrue(verdicts[verdict.ordinal()] > CASES / 20, "too few " + verdict + " cases, seed " + seed);
        }
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    void handPickedInputGetsTheOraclesVerdict() {
        Random random = new Random(1);
        List<byte[]> invalid = new ArrayList<>();
        ProxyHeaderParserTest.malformed().forEach(arguments -> invalid.add(ProxyHeaderTest.ascii((String) arguments.get()[0])));
        for (String line : List.of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n", "PROXY TCP6 ::1 ::1 1 2 \r\n",
                "PROXY TCP6 1:2:3:4:5:6:7:8:: ::1 1 2\r\n", "PROXY TCP6 :1 ::1 1 2\r\n", "PROXY TCP6 1: ::1 1 2\r\n",
                "PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", "PROXY TCP6 ::1:2:3:4:5:6:7:8 ::1 1 2\r\n",
                "PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n", "PROXY TCP6 1::2:3:4:5:6:7:", "PROXY TCP6 1:2:3:4:5:6:7:8:",
                "PROXY TCP6 ::1:2:3:4:5:6:7:", "PROXY TCP6 :::", "PROXY TCP6 1:::", "PROXY TCP6 :1", "\r\nPROXY UNKNOWN\r\n", "PROXY UNKNOWN\n", "\u0000",
                "PROXY UNKNOWN " + "x".repeat(200) + "\r\n")) {
            invalid.add(ProxyHeaderTest.ascii(line));
        }
        invalid.add(HexFormat.of().parseHex("0d0a0d0a000d0a515549540a" + "21" + "11" + "000b" + "00".repeat(11)));
        invalid.add(HexFormat.of().parseHex("0d0a0d0a000d0a515549540a" + "21" + "11" + "000d" + "00".repeat(13)));
        for (byte[] input : invalid) {
            assertEquals(Verdict.INVALID, judge(input).verdict(), () -> "oracle on " + hex(input));
            assertEquals(Verdict.INVALID, check(input, random, "hand-picked"));
        }
        for (String start : List.of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r",
                "PROXY TCP6 1:2:3:4:5:6:7:", "PROXY TCP6 ::", "PROXY TCP6 1:2:3:4:5:6:7::", "PROXY TCP6 1::3:4:5:6:7",
                "PROXY TCP6 :", "PROXY TCP6 1::2:3:4:5:6:7 ::", "PROXY UNK", "P", "")) {
            assertEquals(Verdict.PREFIX, check(ProxyHeaderTest.ascii(start), random, "hand-picked"));
        }
    }

    /** Feeds {@code input} whole and in random pieces, and checks both against the oracle. */
    private static Verdict check(byte[] input, Random random, String context) {
        Judgement expected = judge(input);
        Outcome whole = parse(input, new int[] {input.length}, context);
        Outcome pieces = parse(input, Splits.random(input.length, random, 3, 40), context);
        String where = context + ", input " + hex(input);
        assertEquals(whole, pieces, "whole and in pieces differ, " + where);
        switch (expected.verdict()) {
            case COMPLETE -> {
                assertTrue(whole.header() != null, "no header but " + whole.failure() + ", " + where);
                assertEquals(expected.length(), whole.consumed(), "header bytes taken, " + where);
                assertEquals(hex(Arrays.copyOfRange(input, expected.length(), input.length)), whole.rest(),
                        "bytes after the header, " + where);
                checkContent(whole.header(), Arrays.copyOf(input, expected.length()), where);
            }
            case PREFIX -> {
                assertEquals(null, whole.failure(), "failed on the start of a valid header, " + where);
                assertEquals(null, whole.header(), where);
                assertEquals(input.length, whole.consumed(), where);
            }
            case INVALID -> {
                assertTrue(whole.failure() != null, "no failure on invalid input, " + where);
                assertTrue(MESSAGES.stream().anyMatch(p -> p.matcher(whole.failure()).matches()),
                        "unknown message \"" + whole.failure() + "\", " + where);
            }
        }
        return expected.verdict();
    }

    /** Checks the decoded header against the bytes by means apart from the parser's own. */
    private static void checkContent(ProxyHeader header, byte[] encoded, String where) {
        if (encoded[0] == 'P') {
            String[] fields = new String(encoded, StandardCharsets.ISO_8859_1).strip().split(" ");
            if (fields[1].equals("UNKNOWN")) {
                assertEquals(ProxyHeader.unknown(), header, where);
                return;
            }
            assertEquals(fields[1], header.family().name(), where);
            checkAddress(fields[2], fields[4], header.source().orElseThrow(), where);
            checkAddress(fields[3], fields[5], header.destination().orElseThrow(), where);
        } else if (header.command() == ProxyHeader.Command.PROXY) {
            // A PROXY header has one version 2 encoding: the decoded header must give the same bytes back.
            assertArrayEquals(encoded, ProxyHeaderTest.bytes(header.encodeV2()), where);
        } else {
            assertEquals(ProxyHeader.local(), header, where);
        }
    }

    private static void checkAddress(String literal, String port, InetSocketAddress decoded, String where) {
        assertArrayEquals(ipv6Bytes(InetAddress.ofLiteral(literal)), ipv6Bytes(decoded.getAddress()), where);
        assertEquals(Integer.parseInt(port), decoded.getPort(), where);
    }

    private static byte[] ipv6Bytes(InetAddress address) {
        if (address instanceof Inet4Address) {
            byte[] mapped = new byte[16];
            mapped[10] = mapped[11] = (byte) 0xFF;
            System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
            return mapped;
        }
        return address.getAddress();
    }

    private static Outcome parse(byte[] input, int[] pieces, String context) {
        ProxyHeaderParser parser = new ProxyHeaderParser(MAX_V2);
        int offset = 0;
        try {
            for (int piece : pieces) {
                ByteBuffer buffer = ByteBuffer.wrap(input, offset, piece);
                Optional<ProxyHeader> header = parser.feed(buffer);
                offset += piece;
                if (header.isPresent()) {
                    byte[] rest = new byte[buffer.remaining() + input.length - offset];
                    buffer.get(rest, 0, buffer.remaining());
                    System.arraycopy(input, offset, rest, rest.length - (input.length - offset), input.length - offset);
                    return new Outcome(header.get(), parser.bytesConsumed(), hex(rest), null);
                }
            }
            return new Outcome(null, parser.bytesConsumed(), null, null);
        } catch (ProxyProtocolException e) {
            return new Outcome(null, -1, null, e.getMessage());
        } catch (RuntimeException | Error e) {
            throw new AssertionError("not a ProxyProtocolException: " + e + ", " + context + ", input " + hex(input), e);
        }
    }

    // ---------------------------------------------------------------- the oracle

    private static Judgement judge(byte[] input) {
        if (input.length == 0) {
            return Judgement.PREFIX;
        }
        if (input[0] == 'P') {
            return judgeV1(input);
        }
        if (input[0] == SIGNATURE[0]) {
            return judgeV2(input);
        }
        return Judgement.INVALID;
    }

    private static Judgement judgeV1(byte[] input) {
        int lf = 0;
        while (lf < input.length && input[lf] != '\n') {
            lf++;
        }
        if (lf < input.length) {
            String line = new String(input, 0, lf + 1, StandardCharsets.ISO_8859_1);
            return lf + 1 <= 107 && V1.matcher(line).matches() ? new Judgement(Verdict.COMPLETE, lf + 1)
                    : Judgement.INVALID;
        }
        Matcher matcher = V1.matcher(new String(input, StandardCharsets.ISO_8859_1));
        boolean start = !matcher.matches() && matcher.hitEnd();
        int shortestRest = input[input.length - 1] == '\r' ? 1 : 2;
        return start && input.length + shortestRest <= 107 ? Judgement.PREFIX : Judgement.INVALID;
    }

    /**
     * Version 2 as the spec lays it out. A CRC32C can only be judged on the whole header; before
     * that, a header with one counts as a start.
     */
    private static Judgement judgeV2(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        for (byte expected : SIGNATURE) {
            if (!in.hasRemaining()) {
                return Judgement.PREFIX;
            }
            if (in.get() != expected) {
                return Judgement.INVALID;
            }
        }
        if (!in.hasRemaining()) {
            return Judgement.PREFIX;
        }
        int versionCommand = in.get() & 0xFF;
        boolean local = versionCommand == 0x20;
        if (!local && versionCommand != 0x21) {
            return Judgement.INVALID;
        }
        if (!in.hasRemaining()) {
            return Judgement.PREFIX;
        }
        int family = in.get() & 0xFF;
        List<Integer> allowed = local ? List.of(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32) : List.of(0x00, 0x11, 0x21);
        if (!allowed.contains(family)) {
            return Judgement.INVALID;
        }
        if (in.remaining() < 2) {
            return Judgement.PREFIX;
        }
        int length = in.getShort() & 0xFFFF;
        int addresses = local ? length : family == 0x11 ? 12 : family == 0x21 ? 36 : 0;
        if (length > MAX_V2 || length < addresses) {
            return Judgement.INVALID;
        }
        int end = 16 + length;
        int crcValue = -1;
        int tlv = 16 + addresses;
        while (tlv < end) {
            if (end - tlv < 3) {
                return Judgement.INVALID;
            }
            if (input.length < tlv + 3) {
                return Judgement.PREFIX;
            }
            int valueLength = ((input[tlv + 1] & 0xFF) << 8) | (input[tlv + 2] & 0xFF);
            if (tlv + 3 + valueLength > end) {
                return Judgement.INVALID;
            }
            if ((input[tlv] & 0xFF) == 0x03) {
                if (valueLength != 4 || crcValue >= 0) {
                    return Judgement.INVALID;
                }
                crcValue = tlv + 3;
            }
            tlv += 3 + valueLength;
        }
        if (input.length < end) {
            return Judgement.PREFIX;
        }
        if (crcValue >= 0) {
            byte[] zeroed = Arrays.copyOf(input, end);
            Arrays.fill(zeroed, crcValue, crcValue + 4, (byte) 0);
            CRC32C crc = new CRC32C();
            crc.update(zeroed);
            if ((int) crc.getValue() != ByteBuffer.wrap(input, crcValue, 4).getInt()) {
                return Judgement.INVALID;
            }
        }
        return new Judgement(Verdict.COMPLETE, end);
    }

    // ---------------------------------------------------------------- the generator

    private static final String V1_NOISE = "0123456789abcdefABCDEF.: \r\nPROXYTCUNKW46%-+x\t";

    private static byte[] generate(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> randomBytes(random, random.nextInt(120));
            case 1 -> concat(Arrays.copyOf(random.nextBoolean() ? SIGNATURE : ProxyHeaderTest.ascii("PROXY "),
                    random.nextInt(13)), randomBytes(random, random.nextInt(60)));
            case 2, 3 -> mutate(ProxyHeaderTest.ascii(v1Line(random)), random, true);
            case 4 -> ProxyHeaderTest.ascii(addressSoup(random));
            case 5, 6, 7 -> mutate(ProxyHeaderTest.bytes(randomHeader(random).encodeV2()), random, false);
            default -> random.nextBoolean() ? ProxyHeaderTest.ascii(v1Line(random))
                    : ProxyHeaderTest.bytes(randomHeader(random).encodeV2());
        };
    }

    /** Up to three edits, often none, then often a cut or a payload. */
    private static byte[] mutate(byte[] valid, Random random, boolean text) {
        byte[] bytes = valid;
        for (int edits = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(3); edits > 0 && bytes.length > 0; edits--) {
            int at = text || random.nextBoolean() ? random.nextInt(bytes.length)
                    : Math.min(bytes.length - 1, 12 + random.nextInt(8)); // the fixed part's tail and the address block
            byte noise = text ? (byte) V1_NOISE.charAt(random.nextInt(V1_NOISE.length())) : (byte) random.nextInt(256);
            bytes = switch (random.nextInt(4)) {
                case 0 -> concat(Arrays.copyOf(bytes, at), Arrays.copyOfRange(bytes, at + 1, bytes.length));
                case 1 -> concat(concat(Arrays.copyOf(bytes, at), new byte[] {noise}), Arrays.copyOfRange(bytes, at, bytes.length));
                default -> {
                    byte[] copy = bytes.clone();
                    copy[at] = noise;
                    yield copy;
                }
            };
        }
        return switch (random.nextInt(3)) {
            case 0 -> Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            case 1 -> concat(bytes, randomBytes(random, random.nextInt(20)));
            default -> bytes;
        };
    }

    /** A TCP line of random address-like characters, to probe where literals stop being possible. */
    private static String addressSoup(Random random) {
        boolean ipv6 = random.nextInt(3) > 0;
        String alphabet = ipv6 ? "0123456789abcdefF::::: " : "0123456789.... ";
        StringBuilder line = new StringBuilder(ipv6 ? "PROXY TCP6 " : "PROXY TCP4 ");
        for (int i = random.nextInt(50); i > 0; i--) {
            line.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return line.toString();
    }

    private static String v1Line(Random random) {
        ProxyHeader header = randomHeader(random);
        if (header.family() == ProxyHeader.Family.UNKNOWN) {
            int tail = random.nextInt(4) == 0 ? random.nextInt(100) : -1;
            StringBuilder line = new StringBuilder("PROXY UNKNOWN");
            if (tail >= 0) {
                line.append(' ');
                for (int i = 0; i < tail; i++) {
                    line.append((char) (0x20 + random.nextInt(0x5F)));
                }
            }
            return line.append("\r\n").toString();
        }
        InetSocketAddress source = header.source().orElseThrow();
        InetSocketAddress destination = header.destination().orElseThrow();
        boolean ipv6 = header.family() == ProxyHeader.Family.TCP6;
        return "PROXY " + header.family() + " " + literal(source.getAddress(), ipv6, random) + " "
                + literal(destination.getAddress(), ipv6, random) + " " + source.getPort() + " "
                + destination.getPort() + "\r\n";
    }

    /** An address as text, IPv6 in a random valid spelling: case, leading zeros, which zero run is "::". */
    private static String literal(InetAddress address, boolean ipv6, Random random) {
        byte[] bytes = address.getAddress();
        if (!ipv6) {
            return (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." + (bytes[3] & 0xFF);
        }
        bytes = ipv6Bytes(address);
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String group = Integer.toHexString(((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF));
            group = "0".repeat(random.nextInt(5 - group.length())) + group;
            groups.add(random.nextBoolean() ? group.toUpperCase() : group);
        }
        int start = random.nextInt(8);
        int end = start;
        while (end < 8 && Integer.parseInt(groups.get(end), 16) == 0) {
            end++;
        }
        if (end == start || random.nextInt(4) == 0) {
            return String.join(":", groups);
        }
        return String.join(":", groups.subList(0, start)) + "::" + String.join(":", groups.subList(end, 8));
    }

    private static ProxyHeader randomHeader(Random random) {
        ProxyHeader header = switch (random.nextInt(6)) {
            case 0 -> ProxyHeader.local();
            case 1 -> ProxyHeader.unknown();
            case 2 -> ProxyHeader.of(socket(random, 4), socket(random, 4));
            case 3 -> ProxyHeader.of(socket(random, 4), socket(random, 16));
            default -> ProxyHeader.of(socket(random, 16), socket(random, 16));
        };
        if (header.command() == ProxyHeader.Command.LOCAL || random.nextBoolean()) {
            return header;
        }
        List<Tlv> tlvs = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            int type = random.nextInt(256);
            tlvs.add(new Tlv(type == Tlv.CRC32C ? Tlv.NOOP : type, randomBytes(random, random.nextInt(40))));
        }
        if (random.nextInt(3) == 0) {
            tlvs.add(random.nextInt(tlvs.size() + 1), new Tlv(Tlv.CRC32C, new byte[4]));
        }
        return header.withTlvs(tlvs);
    }

    private static InetSocketAddress socket(Random random, int length) {
        byte[] bytes = randomBytes(random, length);
        switch (random.nextInt(4)) {
            case 0 -> Arrays.fill(bytes, 0, random.nextInt(length + 1), (byte) 0); // runs of zero groups
            case 1 -> Arrays.fill(bytes, (byte) 0xFF);
            default -> {
            }
        }
        int port = switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 65535;
            default -> random.nextInt(65536);
        };
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ProxyHeaderParserTest.concat(a, b);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
