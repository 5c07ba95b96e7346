package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Payload;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newcomer following only the README: its coordinates are the build's, and its first example,
 * taken from the README as written and run with the README's command against the packaged jar,
 * relays bytes both ways, spliced.
 */
class ReadmeIT {

    private static final Path README = Path.of("README.md");

    @TempDir
    Path work;

    @Test
    void theDependencySnippetNamesThisBuild() throws Exception {
        String readme = Files.readString(README);
        String pom = Files.readString(Path.of("pom.xml"));
        for (String element : List.of("groupId", "artifactId", "version")) {
            Matcher inPom = Pattern.compile("<" + element + ">([^<]+)</" + element + ">").matcher(pom);
            assertTrue(inPom.find(), element + " in pom.xml");
            assertTrue(readme.contains("<" + element + ">" + inPom.group(1) + "</" + element + ">"),
                    "the README's dependency has the pom's " + element + " " + inPom.group(1));
        }
        Matcher version = Pattern.compile("<version>([^<]+)</version>").matcher(pom);
        assertTrue(version.find());
        assertTrue(readme.contains("implementation(\"io.splice4j:splice4j:" + version.group(1) + "\")"), "Gradle");
    }

    @Test
    @Timeout(120)
    void theFirstExampleRunsWithTheReadmesCommand() throws Exception {
        Path source = work.resolve("Forward.java");
        Files.writeString(source, firstJavaBlock(Files.readString(README), "## A first example"));
        try (EchoServer backend = new EchoServer(); ServerSocket probe = new ServerSocket(0)) {
            int port = probe.getLocalPort();
            probe.close();
            List<String> command = new ArrayList<>(commandFromReadme());
            command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.set(command.indexOf("splice4j-0.1.0-SNAPSHOT.jar"), ForwarderJar.JAR.toString());
            command.set(command.indexOf("Forward.java"), source.toString());
            int argsAt = command.indexOf(source.toString()) + 1;
            command.subList(argsAt, command.size()).clear();
            command.addAll(List.of(String.valueOf(port), "127.0.0.1", String.valueOf(backend.port())));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertEquals("zero-copy: true", out.readLine(), "the example's first line");
                try (SocketChannel client = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        port))) {
                    Payload.write(client, 1 << 20);
                    assertEquals(Payload.expected(1 << 20), Payload.readExactly(client, 1 << 20), "echoed through it");
                    client.shutdownOutput();
                    assertEquals(Payload.expected(0), Payload.readToEnd(client));
                }
                assertEquals("COMPLETED, 1048576 bytes up (ZERO_COPY), 1048576 down", out.readLine());
            } finally {
                process.destroy();
                assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            }
        }
    }

    /** The first ```java block after {@code heading}. */
    private static String firstJavaBlock(String readme, String heading) {
        int at = readme.indexOf("```java\n", readme.indexOf(heading)) + "```java\n".length();
        return readme.substring(at, readme.indexOf("```", at));
    }

    /** The ```sh block after the example, joined across its line continuations and split into words. */
    private static List<String> commandFromReadme() throws Exception {
        String readme = Files.readString(README);
        int example = readme.indexOf("## A first example");
        int at = readme.indexOf("```sh\n", example) + "```sh\n".length();
        String block = readme.substring(at, readme.indexOf("```", at)).replace("\\\n", " ").strip();
        return new ArrayList<>(List.of(block.split("\\s+")));
    }
}
