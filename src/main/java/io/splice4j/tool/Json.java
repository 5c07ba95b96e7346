package io.splice4j.tool;

/** Builds one JSON object on a line, written by hand: the forwarder has no dependencies. */
final class Json {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder text = new StringBuilder(256).append('{');

    /** Adds a string member. */
    Json add(String name, String value) {
        quote(key(name), value);
        return this;
    }

    /** Adds a string member if {@code value} is not {@code null}: absent values have no member. */
    Json addIfPresent(String name, String value) {
        return value == null ? this : add(name, value);
    }

    /** Adds a number member. */
    Json add(String name, long value) {
        key(name).append(value);
        return this;
    }

    /** Adds a number member that is already formatted as a JSON number. */
    Json addNumber(String name, String number) {
        key(name).append(number);
        return this;
    }

    /** The object, closed. */
    @Override
    public String toString() {
        return text + "}";
    }

    /** Starts a member: a comma after the one before, the quoted name and the colon. */
    private StringBuilder key(String name) {
        if (text.length() > 1) {
            text.append(',');
        }
        quote(text, name);
        return text.append(':');
    }

    /**
     * Appends {@code value} as a JSON string. Escaped: the quote, the backslash and every control
     * character (U+0000 to U+001F, which JSON forbids raw, and U+007F to U+009F), the line and
     * paragraph separators (which break JavaScript and some line-based tools), and surrogates that
     * pair with nothing (which have no UTF-8 form): so each line stays one line of valid UTF-8,
     * however a client or a header names itself.
     */
    static StringBuilder quote(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
                escape(out, c);
            } else if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                out.append(c).append(value.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                escape(out, c);
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }

    /** Appends {@code c} as an escape, {@code \}{@code uXXXX}. */
    private static void escape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
    }
}
