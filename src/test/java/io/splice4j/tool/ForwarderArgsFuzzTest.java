package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random command lines against {@link ForwarderArgs#parse}: real flags in any order, values near
 * the ranges' edges and the int and long limits, with and without units, empty, Unicode digits,
 * line breaks, missing. The only exception parse may throw is an {@link IllegalArgumentException}
 * with a one-line message, and whatever parses holds every value within its documented range
 * (written here as the usage states it, apart from the code's constants).
 *
 * <p>The seed is random per run and printed; rerun one with {@code -Dsplice4j.fuzz.seed=N}.
 */
class ForwarderArgsFuzzTest {

    private static final int CASES = 5_000;

    private static final long MAX_MILLIS = TimeUnit.DAYS.toMillis(24);
    /** A host name as RFC 1123 and 6066 have it, in lower case, written apart from the parser's checks. */
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)(?!(.*\\.)?[0-9]+$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final long POOL_BYTES = 128L << 20;

    private static final String[] FLAGS = {"--listen", "--connect", "--mode", "--chunk-size", "--loops",
        "--max-connections", "--connect-timeout", "--idle-timeout", "--drain-timeout", "--log-connections",
        "--unix-mode", "--send-proxy", "--accept-proxy", "--proxy-timeout", "--balance", "--retries",
        "--health-check", "--reuseport", "--keepalive", "--access-log", "--metrics-listen", "--sni-route",
        "--sni-timeout"};
    private static final String[] RARE_FLAGS = {"--help", "-h", "--self-check", "--", "-", "--loop", "--LOOPS",
        "--chunk-size=64k", ""};
    /** Addresses that parse or fail without a DNS lookup. */
    private static final String[] ADDRESSES = {"127.0.0.1:1", "[::1]:8080", "localhost:2", "unix:/tmp/a.sock",
        "unix:", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:-1", ":80", "127.0.0.1:", "unix:/tmp/\u0000",
        "unix:/" + "x".repeat(120), "api=127.0.0.1:3", "api=unix:/tmp/b.sock", "=127.0.0.1:1", "a b=127.0.0.1:1",
        "unix:/tmp/a=b.sock", "api=", "api=api=127.0.0.1:1", "127.0.0.1:2"};
    /** {@code --sni-route} values: names exact, wild, bad and of any case, to addresses and to groups. */
    private static final String[] ROUTES = {"a.example=127.0.0.1:3", "A.Example=api", "*.example=api",
        "*.example=unix:/tmp/c.sock", "b.example=127.0.0.1:2", "example=api", "*=api", "*.=127.0.0.1:1",
        "a.*.example=api", "**.example=api", "a..b=api", "a.b.=api", "-a.b=api", "1.2.3.4=api", "a.b", "=api",
        "a.example=", "a.example=-api", "a.example=api=x", "a.example=127.0.0.1", "a.example=unix:", "x".repeat(64)
        + ".example=api", "a_b.example=api", "a.example=web", "ä.example=api", "a.example=\u0000", "a b.c=api",
        "a.example=[::1]:443"};
    private static final String[] WORDS = {"auto", "zero-copy", "portable", "PORTABLE", "v1", "v2", "1", "2", "v3",
        "660", "0600", "0o660", "999", "", " ", "\n", "1\n", "\u2028", "\u0000", "٣", "３", "𝟙", "1٠", "İ", "ǅ",
        "0x10", "1e3", "1.5", "+5", "-0", "00", "0", "--5", "NaN", "∞", "roundrobin", "leastconn", "first",
        "LEASTCONN", "round-robin", "60s,10s,5", "1s,1s,1", "32767s,32767s,127",
        "32768s,1s,1", "1s,32768s,1", "1s,1s,128", "0s,1s,1", "1s,1s,0", "9h,1m,5", "500ms,1s,1", "60,10,5", "60s,10s",
        "60s,10s,5,", ",,", "1s,,1", " 1s,1s,1", "1s,1s,١", "-", "/tmp/access.log", "a\u0000b"};
    private static final String[] UNITS = {"", "", "k", "K", "m", "M", "g", "G", "ms", "MS", "s", "h", "d", "b",
        "kb", "µs", " ", "\n"};
    private static final long[] EDGES = {0, 1, 2, 255, 256, 257, 4095, 4096, 4097, 16_777_215, 16_777_216,
        16_777_217, (1L << 30) - 1, 1L << 30, (1L << 30) + 1, MAX_MILLIS - 1, MAX_MILLIS, MAX_MILLIS + 1, 576, 577,
        2_562_047, 2_562_048, 18_014_398_509_481_985L, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
        Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE / 1024 + 1};

    @Test
    @Timeout(60)
    void onlyNamedRejectionsAndValuesInRange() {
        long seed = Long.getLong("splice4j.fuzz.seed", new SecureRandom().nextLong());
        System.out.println("ForwarderArgsFuzzTest seed " + seed);
        Random random = new Random(seed);
        int parsed = 0;
        for (int i = 0; i < CASES; i++) {
            String[] args = commandLine(random);
            String context = "seed " + seed + " case " + i + ": " + show(args);
            ForwarderArgs result;
            try {
                result = ForwarderArgs.parse(args);
            } catch (IllegalArgumentException e) {
                String message = e.getMessage();
                assertTrue(message != null && !message.isBlank() && oneLine(message),
                        context + " -> message " + show(new String[] {message}));
                continue;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(context + " -> " + e, e);
            }
            parsed++;
            checkRanges(result, context);
        }
        assertTrue(parsed > CASES / 10 && parsed < CASES * 9 / 10,
                "parsed " + parsed + " of " + CASES + ": the mix is off, seed " + seed);
    }

    private static void checkRanges(ForwarderArgs args, String context) {
        within(args.chunkSize(), 4096, 16L << 20, "--chunk-size", context);
        within(args.loops(), 1, 256, "--loops", context);
        within((long) args.chunkSize() * args.loops(), 1, POOL_BYTES, "--chunk-size times --loops", context);
        args.maxConnections().ifPresent(max -> within(max, 1, 1L << 30, "--max-connections", context));
        within(args.connectTimeout(), 1, "--connect-timeout", context);
        args.idleTimeout().ifPresent(idle -> within(idle, 1, "--idle-timeout", context));
        within(args.drainTimeout(), 0, "--drain-timeout", context);
        within(args.edge().proxyTimeout(), 1, "--proxy-timeout", context);
        within(args.upstream().retries(), 0, 16, "--retries", context);
        args.upstream().healthCheck().ifPresent(interval -> within(interval, 100, "--health-check", context));
        within(args.upstream().sniTimeout(), 1, "--sni-timeout", context);
        List<UpstreamOptions.Server> servers = args.upstream().servers();
        if (servers.stream().distinct().count() != servers.size()) {
            fail(context + " -> a server given twice: " + servers);
        }
        List<SniRoute> routes = args.upstream().routes();
        if (routes.isEmpty() && !servers.isEmpty() && servers.stream().allMatch(server -> server.group().isPresent())) {
            fail(context + " -> no server in the default group and no route: " + servers);
        }
        for (SniRoute route : routes) {
            checkRoute(route, servers, context);
        }
        if (routes.stream().map(SniRoute::name).distinct().count() != routes.size()) {
            fail(context + " -> a name routed twice: " + routes);
        }
        args.ops().keepalive().ifPresent(keepalive -> {
            within(keepalive.idle(), 1, 32_767, "--keepalive IDLE", context);
            within(keepalive.interval(), 1, 32_767, "--keepalive INTERVAL", context);
            within(keepalive.count(), 1, 127, "--keepalive COUNT", context);
            if (Endpoints.unixPath(args.listen()) != null
                    && servers.stream().allMatch(server -> Endpoints.unixPath(server.address()) != null)) {
                fail(context + " -> --keepalive with Unix sockets at both ends");
            }
        });
        if (args.ops().reusePort() && Endpoints.unixPath(args.listen()) != null) {
            fail(context + " -> --reuseport on a Unix socket");
        }
        if (!args.help() && !args.selfCheck() && (args.listen() == null || servers.isEmpty() && routes.isEmpty())) {
            fail(context + " -> parsed without --listen and --connect or --sni-route");
        }
    }

    /** A route's name is a lower-case DNS name, or {@code *.} and one, and its group has a server. */
    private static void checkRoute(SniRoute route, List<UpstreamOptions.Server> servers, String context) {
        String name = route.wildcard() ? route.name().substring(2) : route.name();
        if (!DNS_NAME.matcher(name).matches()) {
            fail(context + " -> a route for a name SNI can't carry: " + route);
        }
        if (route.target() instanceof SniRoute.ToGroup(String group)
                && servers.stream().noneMatch(server -> server.group().equals(Optional.of(group)))) {
            fail(context + " -> a route to a group with no server: " + route);
        }
    }

    private static void within(Duration value, long minMillis, String flag, String context) {
        if (value.isNegative() || value.compareTo(Duration.ofMillis(minMillis)) < 0
                || value.compareTo(Duration.ofMillis(MAX_MILLIS)) > 0) {
            fail(context + " -> " + flag + " " + value + ", out of its range");
        }
    }

    private static void within(long value, long min, long max, String flag, String context) {
        if (value < min || value > max) {
            fail(context + " -> " + flag + " " + value + ", out of " + min + ".." + max);
        }
    }

    /** A valid start most of the time, so that the flags after it are what decides. */
    private static String[] commandLine(Random random) {
        List<String> args = new ArrayList<>();
        if (random.nextInt(10) < 8) {
            args.addAll(List.of("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2"));
        }
        int flags = random.nextInt(4);
        for (int i = 0; i < flags; i++) {
            String flag = random.nextInt(30) == 0 ? pick(random, RARE_FLAGS) : pick(random, FLAGS);
            args.add(flag);
            if (random.nextInt(25) != 0) {
                args.add(flag.equals("--listen") || flag.equals("--connect") || flag.equals("--metrics-listen")
                        ? pick(random, ADDRESSES)
                        : flag.equals("--sni-route") && random.nextInt(4) > 0 ? pick(random, ROUTES)
                        : value(random));
            }
        }
        if (random.nextInt(8) == 0) {
            // Values where flags are wanted, flags where values are.
            Collections.shuffle(args, random);
        }
        return args.toArray(String[]::new);
    }

    private static String value(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> pick(random, WORDS);
            case 1, 2 -> EDGES[random.nextInt(EDGES.length)] + pick(random, UNITS);
            case 3 -> (random.nextInt(4) == 0 ? "-" : "") + random.nextInt(1 << random.nextInt(31))
                    + pick(random, UNITS);
            case 4 -> digits(random, 1 + random.nextInt(25)) + pick(random, UNITS);
            case 5 -> randomText(random);
            default -> (1 + random.nextInt(600)) + pick(random, UNITS);
        };
    }

    private static String digits(Random random, int count) {
        StringBuilder digits = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            digits.append((char) ('0' + random.nextInt(10)));
        }
        return digits.toString();
    }

    /** Up to 8 code points from ASCII, Latin-1, other digits, line separators and astral planes. */
    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(9);
        for (int i = 0; i < length; i++) {
            int codePoint = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x80);
                case 1 -> random.nextInt(0x100);
                case 2 -> pick(random, new String[] {"\u0660", "\u0966", "\uff11", "\u2028", "\u2029", "\u0085",
                    "\r"}).codePointAt(0);
                default -> 0x10000 + random.nextInt(0x10000);
            };
            text.appendCodePoint(codePoint);
        }
        return text.toString();
    }

    private static String pick(Random random, String[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static boolean oneLine(String message) {
        return message.chars().noneMatch(c -> c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028'
                || c == '\u2029');
    }

    /** The arguments with control and line-break characters escaped, so a failure prints on one line. */
    private static String show(String[] args) {
        return Arrays.stream(args).map(arg -> '"' + arg.codePoints().mapToObj(c -> c < 0x20 || c == 0x85
                || c == 0x2028 || c == 0x2029 ? String.format("\\u%04x", c) : Character.toString(c))
                .collect(Collectors.joining()) + '"').collect(Collectors.joining(" ", "[", "]"));
    }
}
