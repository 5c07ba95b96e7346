package io.splice4j.tool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line arguments read from files, as {@code java} and {@code javac} read theirs: an
 * argument {@code @FILE} is replaced by the arguments FILE holds. In the file, arguments are
 * separated by white space (spaces, tabs, line breaks); {@code #} where an argument would start
 * begins a comment to the end of the line; single or double quotes take white space, {@code #} and
 * the other kind of quote literally, and within them a backslash escapes the next character
 * ({@code \n}, {@code \t}, {@code \r}, {@code \f} stand for those controls). A quote must close on
 * its line. Arguments read from a file are not expanded again: {@code @} there is literal.
 */
final class ArgFiles {

    /** A file of arguments is a few lines; anything this large is the wrong file (a log, /dev/zero). */
    static final int MAX_BYTES = 1 << 20;

    private ArgFiles() {
    }

    /**
     * Returns {@code args} with every {@code @FILE} replaced by the arguments in FILE.
     *
     * @throws IllegalArgumentException with a one-line message naming the file if it can't be read
     *     or its text is malformed
     */
    static String[] expand(String... args) {
        List<String> expanded = new ArrayList<>(args.length);
        for (String arg : args) {
            if (arg.startsWith("@")) {
                expanded.addAll(read(arg.substring(1)));
            } else {
                expanded.add(arg);
            }
        }
        return expanded.toArray(String[]::new);
    }

    /** The arguments in the file {@code name}. */
    private static List<String> read(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("@ needs a file name: @FILE reads arguments from FILE");
        }
        String shown = "argument file " + ArgText.quoted(name);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(Path.of(name))) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("bad path in " + shown);
        } catch (IOException e) {
            throw new IllegalArgumentException("can't read " + shown + ": " + ArgText.reason(e));
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(shown + " is larger than " + NumericFlag.showBytes(MAX_BYTES));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(shown + " is not UTF-8 text");
        }
        return split(text, shown);
    }

    /**
     * Splits a file's text into arguments.
     *
     * @param shown the file, as messages name it
     * @throws IllegalArgumentException if a quote does not close on its line
     */
    static List<String> split(String text, String shown) {
        List<String> args = new ArrayList<>();
        StringBuilder arg = new StringBuilder();
        boolean inArg = false;
        char quote = 0;
        int line = 1;
        // A byte-order mark, which some editors write, is no argument.
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                if (quote != 0) {
                    throw new IllegalArgumentException(shown + " line " + line + ": a quote is not closed on its line");
                }
                line += c == '\n' ? 1 : 0;
            }
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) != '\n'
                        && text.charAt(i + 1) != '\r') {
                    arg.append(escaped(text.charAt(++i)));
                } else {
                    arg.append(c);
                }
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                if (inArg) {
                    args.add(arg.toString());
                    arg.setLength(0);
                    inArg = false;
                }
            } else if (c == '#' && !inArg) {
                while (i + 1 < text.length() && text.charAt(i + 1) != '\n' && text.charAt(i + 1) != '\r') {
                    i++;
                }
            } else {
                inArg = true;
                if (c == '"' || c == '\'') {
                    quote = c;
                } else {
                    arg.append(c);
                }
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException(shown + " line " + line + ": a quote is not closed on its line");
        }
        if (inArg) {
            args.add(arg.toString());
        }
        return args;
    }

    /** The character a backslash and {@code c} stand for within quotes. */
    private static char escaped(char c) {
        return switch (c) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'f' -> '\f';
            default -> c;
        };
    }
}
