package io.splice4j.tool;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyHeaderParser;
import io.splice4j.ProxyProtocolException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * PROXY headers no forwarder may take: hand-picked ones, and random mutations, truncations and
 * garbage, each checked against the parser before use so that none is valid by chance.
 */
final class MalformedHeaders {

    private static final InetSocketAddress SOURCE4 = new InetSocketAddress("192.0.2.1", 51_234);
    private static final InetSocketAddress DESTINATION4 = new InetSocketAddress("198.51.100.7", 443);
    private static final InetSocketAddress SOURCE6 = new InetSocketAddress("2001:db8::1", 40_000);
    private static final InetSocketAddress DESTINATION6 = new InetSocketAddress("2001:db8::2", 8443);

    /** Valid headers that the generated cases start from. */
    static final List<byte[]> VALID = List.of(
            bytes(ProxyHeader.of(SOURCE4, DESTINATION4).encodeV1()),
            bytes(ProxyHeader.of(SOURCE6, DESTINATION6).encodeV1()),
            bytes(ProxyHeader.unknown().encodeV1()),
            bytes(ProxyHeader.of(SOURCE4, DESTINATION4).encodeV2()),
            bytes(ProxyHeader.of(SOURCE6, DESTINATION6).encodeV2()),
            bytes(ProxyHeader.of(SOURCE4, DESTINATION4).withTlvs(List.of(
                    new ProxyHeader.Tlv(ProxyHeader.Tlv.AUTHORITY, "example.com".getBytes(StandardCharsets.US_ASCII)),
                    new ProxyHeader.Tlv(ProxyHeader.Tlv.CRC32C, new byte[4]))).encodeV2()),
            bytes(ProxyHeader.local().encodeV2()));

    private MalformedHeaders() {
    }

    /** The hand-picked cases: one of each kind of mistake. */
    static List<BadClients.Case> handPicked() {
        byte[] v2 = VALID.get(3);
        List<BadClients.Case> cases = new ArrayList<>();
        cases.add(new BadClients.Case("v2 signature with one byte wrong", with(v2, 7, 0x52), 1 << 16));
        cases.add(new BadClients.Case("v2 version 3", with(v2, 12, 0x31), 1 << 16));
        cases.add(new BadClients.Case("v2 command 2", with(v2, 12, 0x22), 1 << 16));
        cases.add(new BadClients.Case("v2 unknown family 4", with(v2, 13, 0x41), 1 << 16));
        cases.add(new BadClients.Case("v2 unknown protocol 3", with(v2, 13, 0x13), 1 << 16));
        cases.add(new BadClients.Case("v2 UDP4", with(v2, 13, 0x12), 1 << 16));
        cases.add(new BadClients.Case("v2 UNIX stream", with(with(v2, 13, 0x31), 15, 216), 1 << 16));
        cases.add(new BadClients.Case("v2 TCP4 length 11, shorter than the addresses", with(v2, 15, 11), 1 << 16));
        cases.add(new BadClients.Case("v2 length 2 past the addresses: no whole TLV",
                append(with(v2, 15, 14), new byte[2]), 1 << 16));
        cases.add(new BadClients.Case("v2 length 65535, over the limit", with(with(v2, 14, 0xFF), 15, 0xFF), 1 << 16));
        cases.add(new BadClients.Case("v2 length 4081, one over the default limit", with(with(v2, 14, 0x0F), 15, 0xF1), 1 << 16));
        cases.add(new BadClients.Case("v2 CRC32C that does not match", with(VALID.get(5), VALID.get(5).length - 1,
                VALID.get(5)[VALID.get(5).length - 1] ^ 1), 1 << 16));
        cases.add(new BadClients.Case("v1 ending in LF without CR", ascii("PROXY TCP4 192.0.2.1 198.51.100.7 51234 443\n"), 64));
        cases.add(new BadClients.Case("v1 CR without LF", ascii("PROXY TCP4 192.0.2.1 198.51.100.7 51234 443\rX"), 64));
        cases.add(new BadClients.Case("v1 two spaces", ascii("PROXY  TCP4 192.0.2.1 198.51.100.7 51234 443\r\n"), 64));
        cases.add(new BadClients.Case("v1 octet 256", ascii("PROXY TCP4 192.0.2.256 198.51.100.7 51234 443\r\n"), 64));
        cases.add(new BadClients.Case("v1 leading zero", ascii("PROXY TCP4 192.0.2.01 198.51.100.7 51234 443\r\n"), 64));
        cases.add(new BadClients.Case("v1 port 65536", ascii("PROXY TCP4 192.0.2.1 198.51.100.7 65536 443\r\n"), 64));
        cases.add(new BadClients.Case("v1 TCP6 with IPv4 addresses", ascii("PROXY TCP6 192.0.2.1 198.51.100.7 1 2\r\n"), 64));
        cases.add(new BadClients.Case("v1 two ::", ascii("PROXY TCP6 2001::db8::1 ::1 1 2\r\n"), 64));
        cases.add(new BadClients.Case("v1 lower case", ascii("proxy TCP4 192.0.2.1 198.51.100.7 51234 443\r\n"), 64));
        cases.add(new BadClients.Case("v1 UDP4", ascii("PROXY UDP4 192.0.2.1 198.51.100.7 51234 443\r\n"), 64));
        cases.add(new BadClients.Case("v1 missing port", ascii("PROXY TCP4 192.0.2.1 198.51.100.7 51234\r\n"), 64));
        cases.add(new BadClients.Case("v1 108 bytes without CRLF", ascii("PROXY UNKNOWN " + "a".repeat(94)), 1 << 16));
        cases.add(new BadClients.Case("v1 no CRLF in 300 bytes", ascii("PROXY UNKNOWN " + "a".repeat(286)), 1 << 16));
        cases.add(new BadClients.Case("HTTP instead of a header", ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 1 << 16));
        cases.add(new BadClients.Case("TLS hello instead of a header", new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}, 1 << 16));
        cases.add(new BadClients.Case("empty: the client closes at once", new byte[0], 1));
        for (BadClients.Case wrong : List.copyOf(cases)) {
            cases.add(new BadClients.Case(wrong.name() + ", a write per byte", wrong.bytes(), 1));
        }
        return cases;
    }

    /** {@code count} random cases: mutated, truncated or oversized headers, and garbage. */
    static List<BadClients.Case> random(Random random, int count) {
        List<BadClients.Case> cases = new ArrayList<>(count);
        while (cases.size() < count) {
            byte[] base = VALID.get(random.nextInt(VALID.size()));
            BadClients.Case candidate = switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] mutated = base.clone();
                    int changes = 1 + random.nextInt(3);
                    for (int i = 0; i < changes; i++) {
                        mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
                    }
                    yield new BadClients.Case("mutated " + hex(mutated), mutated, 1 + random.nextInt(64));
                }
                case 1 -> {
                    byte[] prefix = Arrays.copyOf(base, random.nextInt(base.length));
                    yield new BadClients.Case("truncated " + hex(prefix), prefix, 1 + random.nextInt(16));
                }
                case 2 -> {
                    byte[] garbage = new byte[1 + random.nextInt(200)];
                    random.nextBytes(garbage);
                    yield new BadClients.Case("garbage " + hex(garbage), garbage, 1 + random.nextInt(256));
                }
                default -> {
                    byte[] oversized = VALID.get(3).clone();
                    int length = 4081 + random.nextInt(65_536 - 4081);
                    oversized[14] = (byte) (length >>> 8);
                    oversized[15] = (byte) length;
                    yield new BadClients.Case("v2 length " + length, oversized, 1 + random.nextInt(16));
                }
            };
            if (!completes(candidate.bytes())) {
                cases.add(candidate);
            }
        }
        return cases;
    }

    /** Whether the parser finds a whole valid header at the start of {@code bytes}. */
    static boolean completes(byte[] bytes) {
        try {
            return new ProxyHeaderParser().feed(ByteBuffer.wrap(bytes)).isPresent();
        } catch (ProxyProtocolException e) {
            return false;
        }
    }

    private static byte[] with(byte[] bytes, int index, int value) {
        byte[] changed = bytes.clone();
        changed[index] = (byte) value;
        return changed;
    }

    private static byte[] append(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 24); i++) {
            text.append(String.format("%02x", bytes[i]));
        }
        return text.append(bytes.length > 24 ? "..." : "").toString();
    }
}
