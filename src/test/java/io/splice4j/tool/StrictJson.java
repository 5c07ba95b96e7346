package io.splice4j.tool;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser (RFC 8259) for tests: objects to {@link LinkedHashMap}s, arrays to
 * {@link List}s, numbers to {@link BigDecimal}s, strings, booleans, and {@code null} to
 * {@link #NULL}. It refuses what lenient parsers let through: a duplicate member name, a trailing
 * comma, a raw control character or an unknown escape in a string, a leading zero, {@code NaN},
 * white space other than space, tab, line feed and carriage return, and anything after the value.
 */
final class StrictJson {

    /** JSON's {@code null}. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private final String text;
    private int at;

    private StrictJson(String text) {
        this.text = text;
    }

    /**
     * Parses one JSON value that is the whole of {@code text}.
     *
     * @throws IllegalArgumentException saying where and why if it is not valid JSON
     */
    static Object parse(String text) {
        StrictJson parser = new StrictJson(text);
        parser.space();
        Object value = parser.value();
        parser.space();
        if (parser.at != text.length()) {
            throw parser.error("text after the value");
        }
        return value;
    }

    /** Parses a JSON object that is the whole of {@code text}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("not an object: " + text);
        }
        return (Map<String, Object>) value;
    }

    private Object value() {
        if (at >= text.length()) {
            throw error("a value is missing");
        }
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected " + shown(c));
            }
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> members = new LinkedHashMap<>();
        at++;
        space();
        if (peek() == '}') {
            at++;
            return members;
        }
        for (;;) {
            space();
            if (peek() != '"') {
                throw error("a member name must be a string");
            }
            String name = string();
            space();
            expect(':');
            space();
            Object value = value();
            if (members.put(name, value) != null) {
                throw error("duplicate member " + name);
            }
            space();
            char next = next();
            if (next == '}') {
                return members;
            }
            if (next != ',') {
                throw error("expected , or } but found " + shown(next));
            }
        }
    }

    private List<Object> array() {
        List<Object> values = new ArrayList<>();
        at++;
        space();
        if (peek() == ']') {
            at++;
            return values;
        }
        for (;;) {
            space();
            values.add(value());
            space();
            char next = next();
            if (next == ']') {
                return values;
            }
            if (next != ',') {
                throw error("expected , or ] but found " + shown(next));
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder value = new StringBuilder();
        for (;;) {
            char c = next();
            if (c == '"') {
                return value.toString();
            }
            if (c < 0x20) {
                throw error("raw control character " + shown(c) + " in a string");
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            char escape = next();
            switch (escape) {
                case '"', '\\', '/' -> value.append(escape);
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'n' -> value.append('\n');
                case 'r' -> value.append('\r');
                case 't' -> value.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length()) {
                        throw error("a \\u escape cut short");
                    }
                    String hex = text.substring(at, at + 4);
                    if (!hex.matches("[0-9a-fA-F]{4}")) {
                        throw error("bad \\u escape " + hex);
                    }
                    value.append((char) Integer.parseInt(hex, 16));
                    at += 4;
                }
                default -> throw error("unknown escape \\" + shown(escape));
            }
        }
    }

    private BigDecimal number() {
        int start = at;
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
        } else if (peek() >= '1' && peek() <= '9') {
            digits();
        } else {
            throw error("a number needs a digit");
        }
        if (peek() == '.') {
            at++;
            if (!(peek() >= '0' && peek() <= '9')) {
                throw error("a fraction needs a digit");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            if (!(peek() >= '0' && peek() <= '9')) {
                throw error("an exponent needs a digit");
            }
            digits();
        }
        return new BigDecimal(text.substring(start, at));
    }

    private void digits() {
        while (peek() >= '0' && peek() <= '9') {
            at++;
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) {
            throw error("unexpected " + shown(text.charAt(at)));
        }
        at += word.length();
        return value;
    }

    private void space() {
        while (at < text.length() && " \t\n\r".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
    }

    private char peek() {
        return at < text.length() ? text.charAt(at) : '\uFFFF';
    }

    private char next() {
        if (at >= text.length()) {
            throw error("the text ends too soon");
        }
        return text.charAt(at++);
    }

    private void expect(char c) {
        char found = next();
        if (found != c) {
            throw error("expected " + c + " but found " + shown(found));
        }
    }

    private static String shown(char c) {
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    private IllegalArgumentException error(String why) {
        return new IllegalArgumentException(why + " at " + at + " in " + text);
    }
}
