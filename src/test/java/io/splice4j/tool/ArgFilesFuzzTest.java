package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.FuzzSeed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random argument files. Any list of arguments, written quoted and escaped between random white
 * space and comments, reads back exactly. Random text and bytes (quotes left open, stray
 * backslashes, comments, NULs, malformed UTF-8) and names that are missing, directories or bad
 * paths end only in an {@link IllegalArgumentException} with a one-line message, as does parsing
 * whatever they expand to: the command line prints a usage error, never a stack trace.
 */
class ArgFilesFuzzTest {

    private static final int CASES = 2_000;

    private static final String[] PIECES = {"a", "Z", "0", "-", "--listen", "127.0.0.1:1", " ", "\t", "\"", "'", "\\",
        "#", "@", "\n", "\r", "\f", "\u0000", "é", "\u2028", "\uFEFF", "𝟙", "n", "t", "--loops", "--connect",
        "127.0.0.1:2", "--access-log", "--keepalive", "--metrics-listen", "--reuseport", "60s,10s,5", "-"};
    private static final String[] SEPARATORS = {" ", "  ", "\t", "\n", "\r\n", "\f", "\n# a 'comment' \"\n",
        " #\n", "\n#\r\n"};

    @TempDir
    Path directory;

    @Test
    @Timeout(60)
    void anyArgumentsWrittenQuotedReadBackExactly() throws IOException {
        long seed = FuzzSeed.pick(getClass());
        Random random = new Random(seed);
        Path file = directory.resolve("round-trip.args");
        for (int i = 0; i < CASES; i++) {
            List<String> args = new ArrayList<>();
            StringBuilder text = new StringBuilder(random.nextBoolean() ? "" : "\uFEFF");
            int count = random.nextInt(6);
            for (int a = 0; a < count; a++) {
                String arg = text(random, random.nextInt(5));
                args.add(arg);
                text.append(pick(random, SEPARATORS)).append(written(arg, random)).append(pick(random, SEPARATORS));
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
            assertEquals(args, List.of(ArgFiles.expand("@" + file)), "seed " + seed + " case " + i + ": " + show(text));
        }
    }

    @Test
    @Timeout(60)
    void anythingElseIsAOneLineUsageError() throws IOException {
        long seed = FuzzSeed.pick(getClass());
        Random random = new Random(seed);
        Files.createDirectory(directory.resolve("a directory"));
        int read = 0;
        for (int i = 0; i < CASES; i++) {
            Path file = directory.resolve("case.args");
            Files.write(file, bytes(random));
            String name = switch (random.nextInt(20)) {
                case 0 -> "@" + directory.resolve("missing.args");
                case 1 -> "@" + directory.resolve("a directory");
                case 2 -> "@";
                case 3 -> "@" + file + "\u0000";
                default -> "@" + file;
            };
            String[] args = random.nextBoolean() ? new String[] {name}
                    : new String[] {"--listen", "127.0.0.1:1", name, "--connect", "127.0.0.1:2"};
            String context = "seed " + seed + " case " + i + ": " + show(new String(Files.readAllBytes(file),
                    StandardCharsets.UTF_8));
            String[] expanded;
            try {
                expanded = ArgFiles.expand(args);
                read++;
            } catch (IllegalArgumentException e) {
                assertOneLine(e, context);
                continue;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(context + " -> " + e, e);
            }
            try {
                ForwarderArgs.parse(expanded);
            } catch (IllegalArgumentException e) {
                assertOneLine(e, context);
            } catch (RuntimeException | Error e) {
                throw new AssertionError(context + " -> " + e, e);
            }
        }
        assertTrue(read > CASES / 10 && read < CASES * 9 / 10,
                "read " + read + " of " + CASES + ": the mix is off, seed " + seed);
    }

    /** A file's bytes: pieces of text, now and then a byte that is no UTF-8. */
    private static byte[] bytes(Random random) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int pieces = random.nextInt(12);
        for (int i = 0; i < pieces; i++) {
            if (random.nextInt(60) == 0) {
                bytes.write(0x80 + random.nextInt(0x80));
            } else {
                bytes.writeBytes(pick(random, PIECES).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toByteArray();
    }

    private static String text(Random random, int pieces) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            text.append(pick(random, PIECES));
        }
        return text.toString();
    }

    /** An argument as a file holds it: bare where that reads back the same, else quoted and escaped. */
    private static String written(String arg, Random random) {
        if (!arg.isEmpty() && !arg.startsWith("#") && arg.chars().allMatch(c -> Character.isLetterOrDigit(c)
                || "-.:,@\\".indexOf(c) >= 0) && random.nextBoolean()) {
            return arg;
        }
        if (arg.chars().noneMatch(c -> c == '\'' || c == '\\' || c == '\n' || c == '\r') && random.nextBoolean()) {
            return "'" + arg + "'";
        }
        return '"' + arg.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + '"';
    }

    private static void assertOneLine(IllegalArgumentException e, String context) {
        String message = e.getMessage();
        assertTrue(message != null && !message.isBlank() && message.chars().noneMatch(c -> c == '\n' || c == '\r'
                || c == '\u0085' || c == '\u2028' || c == '\u2029'), context + " -> message " + show(message));
    }

    private static String pick(Random random, String[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String show(CharSequence text) {
        StringBuilder shown = new StringBuilder("\"");
        text.codePoints().forEach(c -> shown.append(c < 0x20 || c == 0x85 || c == 0x2028 || c == 0x2029
                || c == 0xFEFF ? String.format("\\u%04x", c) : Character.toString(c)));
        return shown.append('"').toString();
    }
}
