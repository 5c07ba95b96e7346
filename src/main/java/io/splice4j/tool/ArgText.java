package io.splice4j.tool;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** A command-line value quoted for a one-line message, and why a file it names could not be used. */
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

    /** Why a file could not be opened or read, in a few words: the JDK's messages repeat the path. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String reason = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
        return reason == null ? e.getClass().getSimpleName() : quoted(reason);
    }
}
