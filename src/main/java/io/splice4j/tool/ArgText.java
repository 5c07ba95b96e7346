package io.splice4j.tool;

/** A command-line value quoted for a one-line message. */
final class ArgText {

    private ArgText() {
    }

    /**
     * Returns {@code text} in single quotes, with control characters and line breaks written as
     * {@code \}{@code uXXXX}: a value may hold any character, and the message must stay one line.
     */
    static String quoted(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('\'');
        text.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                quoted.append(String.format("\\u%04x", c));
            } else {
                quoted.appendCodePoint(c);
            }
        });
        return quoted.append('\'').toString();
    }
}
