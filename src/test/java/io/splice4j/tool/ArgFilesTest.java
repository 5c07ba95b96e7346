package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code @FILE} arguments: how a file's text splits into arguments, and the message for each way it can't. */
class ArgFilesTest {

    @TempDir
    Path directory;

    @Test
    void whiteSpaceSeparatesAndHashStartsACommentWhereAnArgumentWouldStart() throws IOException {
        Path file = write("forwarder.args", "# the production forwarder\n--listen 127.0.0.1:1   --connect\t127.0.0.1:2"
                + " # trailing words\n\n--log-connections\r\n--unix-mode a#b\f--drain-timeout 5s#");
        assertEquals(List.of("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2", "--log-connections",
                "--unix-mode", "a#b", "--drain-timeout", "5s#"), List.of(ArgFiles.expand("@" + file)));
    }

    @Test
    void quotesHoldSpacesAndTheOtherQuoteAndBackslashesEscapeOnlyWithinThem() throws IOException {
        Path file = write("quoted.args", """
                --access-log "/var/log/splice 4j.log" 'say "hi"' "it's" "a \\"b\\" \\\\ c\\td" ''
                half" quoted"' twice' C:\\dir\\ "#no comment" "@literal"
                """);
        assertEquals(List.of("--access-log", "/var/log/splice 4j.log", "say \"hi\"", "it's", "a \"b\" \\ c\td", "",
                "half quoted twice", "C:\\dir\\", "#no comment", "@literal"), List.of(ArgFiles.expand("@" + file)));
    }

    @Test
    void filesExpandInPlaceAndTheirArgumentsAreNotExpandedAgain() throws IOException {
        Path inner = write("inner.args", "--loops 3");
        Path outer = write("outer.args", "\uFEFF--listen 127.0.0.1:1 @" + inner);
        assertArrayEquals(new String[] {"--mode", "portable", "--listen", "127.0.0.1:1", "@" + inner, "--loops", "3"},
                ArgFiles.expand("--mode", "portable", "@" + outer, "@" + inner));
        assertArrayEquals(new String[0], ArgFiles.expand("@" + write("empty.args", " # nothing\n")));
    }

    @Test
    void aFileOfFlagsParsesAsTheSameFlagsWould() throws IOException {
        Path file = write("forwarder.args", """
                --listen 127.0.0.1:1
                --connect 127.0.0.1:2   # the upstream
                --drain-timeout '5s'
                """);
        ForwarderArgs args = ForwarderArgs.parse(ArgFiles.expand("@" + file, "--idle-timeout", "1m"));
        assertEquals(Duration.ofSeconds(5), args.drainTimeout());
        assertEquals(Duration.ofMinutes(1), args.idleTimeout().orElseThrow());
    }

    @Test
    void anUnclosedQuoteNamesTheFileAndItsLine() throws IOException {
        String[][] cases = {
            {"--listen \"127.0.0.1:1", "line 1"},
            {"--listen '127.0.0.1:1\n'", "line 1"},
            {"# one\r\n\"a\\\nb\"", "line 2"},
            {"\n\n'a\\", "line 3"}};
        for (String[] bad : cases) {
            Path file = write("bad.args", bad[0]);
            assertEquals("argument file '" + file + "' " + bad[1] + ": a quote is not closed on its line",
                    rejection("@" + file), bad[0]);
        }
    }

    @Test
    void whatCantBeReadIsNamed() throws IOException {
        Path missing = directory.resolve("missing.args");
        assertEquals("can't read argument file '" + missing + "': no such file or directory", rejection("@" + missing));
        assertEquals("can't read argument file '" + directory + "': 'Is a directory'", rejection("@" + directory));
        assertEquals("@ needs a file name: @FILE reads arguments from FILE", rejection("@"));
        assertEquals("bad path in argument file 'a\\u0000b'", rejection("@a\u0000b"));
        Path binary = directory.resolve("binary.args");
        Files.write(binary, new byte[] {'-', '-', (byte) 0xC3, (byte) 0x28});
        assertEquals("argument file '" + binary + "' is not UTF-8 text", rejection("@" + binary));
        Path large = directory.resolve("large.args");
        Files.write(large, new byte[ArgFiles.MAX_BYTES + 1]);
        assertEquals("argument file '" + large + "' is larger than 1m", rejection("@" + large));
    }

    @Test
    void anUnreadableFileIsNamed() throws IOException {
        Path secret = write("secret.args", "--loops 1");
        assertTrue(secret.toFile().setReadable(false));
        // Root reads it anyway: then there is nothing to refuse.
        if (!Files.isReadable(secret)) {
            assertEquals("can't read argument file '" + secret + "': permission denied", rejection("@" + secret));
        }
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(directory.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static String rejection(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> ArgFiles.expand(args)).getMessage();
    }
}
