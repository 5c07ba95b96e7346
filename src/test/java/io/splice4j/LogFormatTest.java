package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every log call in {@code src/main/java} whose message is a {@link MessageFormat} pattern prints
 * what its source says: each {@code {n}} replaced by its argument and {@code ''} printed as one
 * apostrophe. A lone apostrophe quotes the rest of the pattern, so {@code "can't start ({0})"}
 * would print {@code cant start ({0})} and lose the argument.
 *
 * <p>A call formats its message if it goes through {@code ForwarderLog}, which always passes
 * arguments, or is a {@code System.Logger.log(Level, ...)} with a {@code {n}} placeholder or more
 * than one argument after the message (one argument and no placeholder is the {@code Throwable}
 * overload, which prints the message as it is).
 */
class LogFormatTest {

    private static final Pattern CALL = Pattern.compile(
            "ForwarderLog\\.(?:debug|info|warning)\\(|\\.log\\(\\s*(?:System\\.Logger\\.)?Level\\.");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d+)}");

    @Test
    void everyFormattedMessagePrintsItsArguments() throws IOException {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (LogCall call : logCalls(Path.of("src/main/java"))) {
            if (!call.formats()) {
                continue;
            }
            checked++;
            String format = literal(call.format());
            if (format == null) {
                wrong.add(call.where() + ": the format is not a string literal, so its text can't be checked: "
                        + call.format());
                continue;
            }
            String printed = new MessageFormat(format, Locale.ROOT).format(markers(call.arguments().size()));
            String meant = meant(format);
            if (!printed.equals(meant)) {
                wrong.add(call.where() + ": prints \"" + printed + "\", not \"" + meant + "\"");
            }
            for (int i = 0; i < call.arguments().size(); i++) {
                if (!format.contains("{" + i + "}")) {
                    wrong.add(call.where() + ": argument " + i + " (" + call.arguments().get(i) + ") has no {" + i
                            + "}");
                }
            }
        }
        assertTrue(checked >= 10, "the scan found only " + checked + " formatted log calls: is it broken?");
        assertEquals(List.of(), wrong);
    }

    @Test
    void theCheckCatchesALoneApostropheAndAMissingArgument() {
        assertEquals("the engine cant start ({0})", new MessageFormat("the engine can't start ({0})", Locale.ROOT)
                .format(markers(1)));
        assertEquals("the engine can't start (<0>)", meant("the engine can't start ({0})"));
        assertEquals("the engine can't start (<0>)", new MessageFormat("the engine can''t start ({0})", Locale.ROOT)
                .format(markers(1)));
        assertEquals("the engine can't start (<0>)", meant("the engine can''t start ({0})"));
    }

    /** {@code <0>}, {@code <1>}, ...: arguments that show where they land. */
    private static Object[] markers(int count) {
        Object[] markers = new Object[count];
        for (int i = 0; i < count; i++) {
            markers[i] = "<" + i + ">";
        }
        return markers;
    }

    /** What a pattern is meant to print: {@code ''} as one apostrophe, {@code {n}} as marker n. */
    private static String meant(String format) {
        Matcher matcher = PLACEHOLDER.matcher(format.replace("''", "'"));
        return matcher.replaceAll(result -> "<" + result.group(1) + ">");
    }

    /** A call's source: where it is, the message argument and the arguments after it. */
    private record LogCall(String where, boolean forwarderLog, String format, List<String> arguments) {

        boolean formats() {
            return forwarderLog || PLACEHOLDER.matcher(format).find() || arguments.size() > 1;
        }
    }

    private static List<LogCall> logCalls(Path root) throws IOException {
        List<LogCall> calls = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String source = Files.readString(file);
                Matcher matcher = CALL.matcher(source);
                while (matcher.find()) {
                    int open = source.indexOf('(', matcher.start());
                    List<String> arguments = arguments(source, open);
                    boolean forwarderLog = matcher.group().startsWith("ForwarderLog");
                    String where = root.relativize(file) + ":" + lineOf(source, matcher.start());
                    // ForwarderLog's message comes first; System.Logger's after the level.
                    int message = forwarderLog ? 0 : 1;
                    if (arguments.size() > message) {
                        calls.add(new LogCall(where, forwarderLog, arguments.get(message),
                                arguments.subList(message + 1, arguments.size())));
                    }
                }
            }
        }
        return calls;
    }

    private static int lineOf(String source, int index) {
        return (int) source.substring(0, index).chars().filter(c -> c == '\n').count() + 1;
    }

    /**
     * The top-level arguments of the call whose {@code (} is at {@code open}, as source text: commas
     * inside nested brackets, string and char literals and comments don't split.
     */
    private static List<String> arguments(String source, int open) {
        List<String> arguments = new ArrayList<>();
        int depth = 0;
        int start = open + 1;
        for (int i = open; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '"' || c == '\'') {
                i = endOfLiteral(source, i);
            } else if (source.startsWith("//", i)) {
                i = source.indexOf('\n', i);
            } else if (source.startsWith("/*", i)) {
                i = source.indexOf("*/", i) + 1;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
                if (depth == 0) {
                    arguments.add(source.substring(start, i).strip());
                    return arguments;
                }
            } else if (c == ',' && depth == 1) {
                arguments.add(source.substring(start, i).strip());
                start = i + 1;
            }
        }
        throw new IllegalStateException("no end to the call at " + open);
    }

    /** The index of the quote that closes the literal opened at {@code start}. */
    private static int endOfLiteral(String source, int start) {
        char quote = source.charAt(start);
        for (int i = start + 1; ; i++) {
            char c = source.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
    }

    /** The value of {@code "..." + "..."}, or {@code null} if the expression is anything else. */
    private static String literal(String expression) {
        StringBuilder value = new StringBuilder();
        int i = 0;
        while (true) {
            while (i < expression.length() && Character.isWhitespace(expression.charAt(i))) {
                i++;
            }
            if (i == expression.length() || expression.charAt(i) != '"' || expression.startsWith("\"\"\"", i)) {
                return null;
            }
            int end = endOfLiteral(expression, i);
            value.append(unescape(expression.substring(i + 1, end)));
            i = end + 1;
            while (i < expression.length() && Character.isWhitespace(expression.charAt(i))) {
                i++;
            }
            if (i == expression.length()) {
                return value.toString();
            }
            if (expression.charAt(i) != '+') {
                return null;
            }
            i++;
        }
    }

    private static String unescape(String body) {
        StringBuilder value = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\') {
                value.append(c);
                continue;
            }
            char escaped = body.charAt(++i);
            value.append(switch (escaped) {
                case 'n' -> '\n';
                case 't' -> '\t';
                case 'r' -> '\r';
                case '"', '\'', '\\' -> escaped;
                default -> throw new IllegalArgumentException("escape \\" + escaped + " is not read here: " + body);
            });
        }
        return value.toString();
    }
}
