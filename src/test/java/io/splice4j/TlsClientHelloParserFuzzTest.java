package io.splice4j;

import static io.splice4j.TlsHelloBytes.concat;
import static io.splice4j.TlsHelloBytes.extension;
import static io.splice4j.TlsHelloBytes.handshake;
import static io.splice4j.TlsHelloBytes.records;
import static io.splice4j.TlsHelloBytes.u16;
import static io.splice4j.TlsHelloBytes.vector16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.ClientHellos;
import io.splice4j.support.FuzzSeed;
import io.splice4j.support.Splits;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random, truncated and mutated input, and hellos generated apart from the parser with their
 * expected content. Whatever the input, the parser may only return a hello, ask for more or throw
 * a {@link TlsClientHelloException} with a known message; never anything else, and never take a
 * byte past its limit. It must do the same however the input is cut into feeds. A generated hello
 * must come back exactly, every proper prefix of one must ask for more, and one larger than the
 * limit must fail on the limit.
 *
 * <p>The seed is random per run and printed, and in every failure; rerun one with
 * {@code -Dsplice4j.fuzz.seed=N}.
 */
class TlsClientHelloParserFuzzTest {

    private static final int CASES = 10_000;
    private static final int DEFAULT_MAX = TlsClientHelloParser.DEFAULT_MAX_BYTES;
    private static final String REGION = "(ClientHello|server_name extension|ALPN extension|supported_versions extension)";

    private static final List<Pattern> MESSAGES = List.of(
            "not a TLS handshake record: the first byte is 0x[0-9a-f]{2}, not 0x16",
            "not a TLS handshake record: the first byte 0x[89a-f][0-9a-f] starts an SSLv2-compatible ClientHello,"
                    + " which is not supported",
            "record \\d+ has major version 0x[0-9a-f]{2}, not TLS's 0x03",
            "record \\d+ is empty, which a handshake record may not be",
            "record \\d+ has length \\d+, more than the 16384 TLS allows",
            "record \\d+ has content type 0x[0-9a-f]{2}, not handshake \\(0x16\\), before the ClientHello's end",
            "record \\d+ holds (1 byte|\\d+ bytes) past the ClientHello's end",
            "not a ClientHello: the handshake message type is \\d+, not 1",
            "ClientHello length \\d+ is less than the smallest possible, 41",
            "the ClientHello needs at least \\d+ bytes, more than the limit of \\d+",
            "truncated " + REGION + ": [a-z_ ]+( length| type)? needs \\d+ bytes, (1 is|\\d+ are) left",
            "truncated ClientHello: (server_name extension|ALPN extension|supported_versions extension"
                    + "|extension 0x[0-9a-f]{4})( length)? needs \\d+ bytes, (1 is|\\d+ are) left",
            "malformed " + REGION + ": (1 byte follows|\\d+ bytes follow)"
                    + " (extensions|server_name_list|protocol_name_list|versions)",
            "malformed ClientHello: legacy_version 0x[0-9a-f]{4} is not 0x03xx",
            "malformed ClientHello: legacy_session_id length \\d+ is more than 32",
            "malformed ClientHello: cipher_suites length \\d+ is not a positive even number",
            "malformed ClientHello: legacy_compression_methods is empty",
            "malformed ClientHello: (server_name extension|ALPN extension|supported_versions extension"
                    + "|extension 0x[0-9a-f]{4}) appears twice",
            "malformed server_name extension: server_name_list length 0 is less than 1",
            "malformed server_name extension: more than one host_name",
            "malformed server_name extension: host_name \"[^\"]*\"( \\(\\d+ bytes\\))? is not a DNS name: (it is empty"
                    + "|it ends with a dot|it is longer than 253 characters|it has an empty label"
                    + "|a label is longer than 63 characters|a label starts or ends with a hyphen"
                    + "|it has the byte 0x[0-9a-f]{2}, not a letter, digit, hyphen or dot"
                    + "|its last label is all digits, as in an IP address, which SNI does not allow)",
            "malformed ALPN extension: protocol_name_list length [01] is less than 2",
            "malformed ALPN extension: an empty protocol name",
            "malformed supported_versions extension: versions length \\d+ is not an even number from 2 to 254")
            .stream().map(Pattern::compile).toList();

    /** A host name as RFC 1123 and 6066 have it, written apart from the parser's checks. */
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private enum Kind { COMPLETE, INCOMPLETE, FAILED }

    /** What the parser did with an input: the hello and the bytes it left, or the failure; and what it took. */
    private record Outcome(TlsClientHello hello, String rest, String failure, int consumed) {
        Kind kind() {
            return hello != null ? Kind.COMPLETE : failure != null ? Kind.FAILED : Kind.INCOMPLETE;
        }
    }

    /** A hello made apart from the parser, and what the parser must make of it. */
    private record Generated(byte[] wire, TlsClientHello expected) {
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theParserOnlyEverReturnsAHelloAsksForMoreOrThrowsItsOwnException() {
        long seed = FuzzSeed.pick(TlsClientHelloParserFuzzTest.class);
        Random random = new Random(seed);
        List<byte[]> jdk = List.of(TlsClientHelloParserTest.jdk("TLSv1.3", "example.com", "h2", "http/1.1"),
                TlsClientHelloParserTest.jdk("TLSv1.2", null));
        int[] kinds = new int[Kind.values().length];
        for (int i = 0; i < CASES; i++) {
            String context = "seed " + seed + " case " + i;
            Kind kind = switch (random.nextInt(10)) {
                case 0 -> check(randomBytes(random, random.nextInt(300)), DEFAULT_MAX, random, context);
                case 1 -> check(concat(new byte[] {0x16, 0x03, (byte) random.nextInt(5)},
                        randomBytes(random, random.nextInt(200))), DEFAULT_MAX, random, context);
                case 2 -> generated(random, context);
                case 3 -> truncated(random, context);
                case 4 -> limited(random, context);
                case 5 -> check(ClientHellos.mutate(jdk.get(random.nextInt(jdk.size())), random), DEFAULT_MAX, random, context);
                case 6, 7 -> check(generate(random, true).wire(), Integer.MAX_VALUE, random, context);
                default -> check(ClientHellos.mutate(generate(random).wire(), random), DEFAULT_MAX, random, context);
            };
            kinds[kind.ordinal()]++;
        }
        System.out.printf("TlsClientHelloParserFuzzTest: %d complete, %d incomplete, %d failed%n", kinds[0], kinds[1],
                kinds[2]);
        // The generator must reach all three, or the test proves less than it says.
        for (Kind kind : Kind.values()) {
            assertTrue(kinds[kind.ordinal()] > CASES / 20, "too few " + kind + " cases, seed " + seed);
        }
    }

    /** A generated hello, maybe with bytes after it, comes back exactly, the bytes after it untouched. */
    private static Kind generated(Random random, String context) {
        Generated hello = generate(random);
        byte[] after = random.nextBoolean() ? new byte[0] : randomBytes(random, 1 + random.nextInt(30));
        byte[] input = concat(hello.wire(), after);
        Outcome outcome = outcome(input, Math.max(DEFAULT_MAX, hello.wire().length), random, context);
        String where = context + ", input " + hex(input);
        assertEquals(hello.expected(), outcome.hello(), "the generated hello, " + where);
        assertEquals(hex(after), outcome.rest(), "the bytes after it, " + where);
        return Kind.COMPLETE;
    }

    /** Every proper prefix of a generated hello asks for more and takes all of itself. */
    private static Kind truncated(Random random, String context) {
        byte[] wire = generate(random).wire();
        byte[] prefix = Arrays.copyOf(wire, random.nextInt(wire.length));
        Outcome outcome = outcome(prefix, Math.max(DEFAULT_MAX, wire.length), random, context);
        assertEquals(new Outcome(null, null, null, prefix.length), outcome, context + ", input " + hex(prefix));
        return Kind.INCOMPLETE;
    }

    /** A generated hello under a limit near its size: taken whole if it fits, else refused on the limit. */
    private static Kind limited(Random random, String context) {
        byte[] wire = generate(random).wire();
        int limit = Math.max(TlsClientHelloParser.MIN_MAX_BYTES, wire.length - 20 + random.nextInt(30));
        Outcome outcome = outcome(wire, limit, random, context);
        String where = context + ", limit " + limit + ", input " + hex(wire);
        if (wire.length <= limit) {
            assertEquals(Kind.COMPLETE, outcome.kind(), where);
        } else {
            assertTrue(outcome.failure() != null && outcome.failure().matches(
                    "the ClientHello needs at least \\d+ bytes, more than the limit of " + limit), outcome + ", " + where);
        }
        return outcome.kind();
    }

    /** Any input: whatever the parser does must be one of the three, the same however it is fed. */
    private static Kind check(byte[] input, int limit, Random random, String context) {
        Outcome outcome = outcome(input, limit, random, context);
        String where = context + ", input " + hex(input);
        switch (outcome.kind()) {
            case COMPLETE -> {
                TlsClientHello hello = outcome.hello();
                assertEquals(framedLength(input), hello.bytesConsumed(), "the hello's records, " + where);
                hello.serverName().ifPresent(name -> assertTrue(DNS_NAME.matcher(name).matches(),
                        "server name \"" + name + "\", " + where));
                assertTrue(hello.alpn().stream().noneMatch(String::isEmpty), "an empty ALPN name, " + where);
            }
            case INCOMPLETE -> assertEquals(input.length, outcome.consumed(), "bytes taken, " + where);
            case FAILED -> assertTrue(MESSAGES.stream().anyMatch(p -> p.matcher(outcome.failure()).matches()),
                    "unknown message \"" + outcome.failure() + "\", " + where);
        }
        return outcome.kind();
    }

    /** Feeds {@code input} whole, in random pieces and sometimes byte by byte; all must agree. */
    private static Outcome outcome(byte[] input, int limit, Random random, String context) {
        Outcome whole = parse(input, new int[] {input.length}, limit, context);
        String where = context + ", limit " + limit + ", input " + hex(input);
        assertEquals(whole, parse(input, Splits.random(input.length, random, 7, 400), limit, context), "whole and in pieces, " + where);
        if (random.nextInt(8) == 0) {
            assertEquals(whole, parse(input, Splits.bytes(input.length), limit, context), "whole and byte by byte, " + where);
        }
        return whole;
    }

    private static Outcome parse(byte[] input, int[] pieces, int limit, String context) {
        TlsClientHelloParser parser = new TlsClientHelloParser(limit);
        int offset = 0;
        try {
            for (int piece : pieces) {
                ByteBuffer buffer = ByteBuffer.wrap(input, offset, piece);
                Optional<TlsClientHello> hello;
                try {
                    hello = parser.feed(buffer);
                } finally {
                    // A supplier: building the message for each of thousands of feeds would be most of the run.
                    assertTrue(parser.bytesConsumed() <= limit, () -> "took " + parser.bytesConsumed()
                            + " bytes, past the limit " + limit + ", " + context + ", input " + hex(input));
                }
                offset += piece;
                if (hello.isPresent()) {
                    int taken = buffer.position();
                    assertEquals(taken, hello.get().bytesConsumed(), "consumed and position, " + context);
                    assertEquals(taken, parser.bytesConsumed(), context);
                    return new Outcome(hello.get(), hex(Arrays.copyOfRange(input, taken, input.length)), null, taken);
                }
                assertEquals(0, buffer.remaining(), () -> "an incomplete hello takes every byte, " + context);
            }
            return new Outcome(null, null, null, parser.bytesConsumed());
        } catch (TlsClientHelloException e) {
            return new Outcome(null, null, e.getMessage(), parser.bytesConsumed());
        } catch (RuntimeException | Error e) {
            if (e instanceof AssertionError) {
                throw e;
            }
            throw new AssertionError("not a TlsClientHelloException: " + e + ", " + context + ", input " + hex(input), e);
        }
    }

    // ---------------------------------------------------------------- the oracle of framing

    /** The bytes of the records that carry the handshake message, read apart from the parser. */
    private static int framedLength(byte[] wire) {
        int at = 0;
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        while (true) {
            int length = TlsHelloBytes.u16(wire, at + 3);
            payload.write(wire, at + 5, length);
            at += 5 + length;
            byte[] message = payload.toByteArray();
            if (message.length >= 4 && message.length >= 4 + (((message[1] & 0xFF) << 16)
                    | ((message[2] & 0xFF) << 8) | (message[3] & 0xFF))) {
                return at;
            }
        }
    }

    // ---------------------------------------------------------------- the generator

    /** A valid hello of random content in records of random sizes, and the hello it is. */
    private static Generated generate(Random random) {
        return generate(random, false);
    }

    /**
     * A hello of random content in records of random sizes. If {@code corrupt}, one extension is
     * broken inside lengths that frame it correctly, so that the extensions' own checks are reached,
     * and the expected hello is null.
     */
    private static Generated generate(Random random, boolean corrupt) {
        int version = 0x0300 | random.nextInt(256);
        byte[] sessionId = randomBytes(random, random.nextBoolean() ? 32 : random.nextInt(33));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(u16(version));
        body.writeBytes(randomBytes(random, 32));
        body.write(sessionId.length);
        body.writeBytes(sessionId);
        body.writeBytes(vector16(randomBytes(random, 2 * (1 + random.nextInt(40)))));
        int compressionMethods = 1 + random.nextInt(3);
        body.write(compressionMethods);
        body.writeBytes(randomBytes(random, compressionMethods));
        String serverName = null;
        List<String> alpn = List.of();
        List<Integer> versions = List.of();
        if (random.nextInt(10) > 0) {
            List<byte[]> extensions = new ArrayList<>();
            Set<Integer> types = new HashSet<>(Set.of(0, 16, 43));
            for (int i = random.nextInt(6); i > 0; i--) {
                int type = random.nextInt(4) == 0 ? 0x0a0a + 0x1010 * random.nextInt(16) : random.nextInt(0x10000);
                if (types.add(type)) {
                    extensions.add(extension(type, randomBytes(random, random.nextInt(4) == 0 ? random.nextInt(3000)
                            : random.nextInt(40))));
                }
            }
            if (random.nextInt(4) > 0) {
                String name = corrupt && random.nextBoolean() ? notQuiteDnsName(random) : dnsName(random);
                serverName = name.toLowerCase(Locale.ROOT);
                extensions.add(serverNameExtension(name, random));
            }
            if (random.nextBoolean()) {
                alpn = new ArrayList<>();
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    alpn.add(new String(randomBytes(random, 1 + random.nextInt(12)), StandardCharsets.ISO_8859_1));
                }
                extensions.add(TlsHelloBytes.alpn(alpn.toArray(String[]::new)));
            }
            if (random.nextBoolean()) {
                versions = new ArrayList<>();
                for (int i = 1 + random.nextInt(6); i > 0; i--) {
                    versions.add(random.nextInt(0x10000));
                }
                extensions.add(TlsHelloBytes.supportedVersions(versions.stream().mapToInt(Integer::intValue).toArray()));
            }
            if (corrupt && !extensions.isEmpty()) {
                corrupt(extensions, random);
            }
            Collections.shuffle(extensions, random);
            body.writeBytes(TlsHelloBytes.extensionBlock(extensions.toArray(byte[][]::new)));
        }
        byte[] message = handshake(body.toByteArray());
        byte[] wire = switch (random.nextInt(4)) {
            case 0, 1 -> records(message);
            case 2 -> records(message, random.ints(1 + random.nextInt(6), 1, 1 + message.length).toArray());
            default -> records(message, random.ints(message.length, 1, 2 + random.nextInt(8)).toArray());
        };
        return new Generated(wire, corrupt ? null : new TlsClientHello(Optional.ofNullable(serverName), alpn, version,
                versions, wire.length));
    }

    /** Repeats one extension, or edits its data and frames the result anew. */
    private static void corrupt(List<byte[]> extensions, Random random) {
        int i = random.nextInt(extensions.size());
        byte[] extension = extensions.get(i);
        if (random.nextInt(5) == 0) {
            extensions.add(extension);
            return;
        }
        byte[] data = Arrays.copyOfRange(extension, 4, extension.length);
        extensions.set(i, extension(TlsHelloBytes.u16(extension, 0), data.length == 0 ? randomBytes(random, 3)
                : ClientHellos.mutate(data, random)));
    }

    /** A host name with one flaw, or none: a stray character, a trailing dot, a long label, all digits. */
    private static String notQuiteDnsName(Random random) {
        StringBuilder name = new StringBuilder(dnsName(random));
        switch (random.nextInt(5)) {
            case 0 -> name.insert(random.nextInt(name.length() + 1), " _.-:09\"\u00ff\u0000".charAt(random.nextInt(10)));
            case 1 -> name.append('.');
            case 2 -> name.append('.').append("x".repeat(62 + random.nextInt(3)));
            case 3 -> name.append('.').append(random.nextInt(256));
            default -> name.setLength(0);
        }
        return name.toString();
    }

    /** A server_name extension with one host_name, sometimes among names of other types. */
    private static byte[] serverNameExtension(String hostName, Random random) {
        List<byte[]> names = new ArrayList<>();
        names.add(concat(new byte[] {0}, vector16(hostName.getBytes(StandardCharsets.ISO_8859_1))));
        for (int i = random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0; i > 0; i--) {
            names.add(concat(new byte[] {(byte) (1 + random.nextInt(255))}, vector16(randomBytes(random,
                    random.nextInt(20)))));
        }
        Collections.shuffle(names, random);
        return extension(0, vector16(concat(names.toArray(byte[][]::new))));
    }

    /** A valid host name in mixed case: LDH labels of 1 to 63, at most 253 in all, the last not all digits. */
    private static String dnsName(Random random) {
        String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        String inner = letters + "0123456789-";
        while (true) {
            List<String> labels = new ArrayList<>();
            for (int i = 1 + random.nextInt(5); i > 0; i--) {
                int length = random.nextInt(8) == 0 ? 1 + random.nextInt(63) : 1 + random.nextInt(12);
                StringBuilder label = new StringBuilder();
                for (int j = 0; j < length; j++) {
                    boolean end = j == 0 || j == length - 1;
                    String alphabet = end ? letters + "0123456789" : inner;
                    label.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                labels.add(label.toString());
            }
            String name = String.join(".", labels);
            if (name.length() <= 253 && !labels.getLast().chars().allMatch(Character::isDigit)) {
                return name;
            }
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
