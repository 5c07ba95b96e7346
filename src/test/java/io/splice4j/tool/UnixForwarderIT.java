package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The packaged forwarder on a Unix socket: its exit codes for a taken path, and its cleanup on SIGTERM. */
@Timeout(120)
class UnixForwarderIT {

    @TempDir
    Path directory;

    @Test
    void sigtermRemovesTheSocketFile() throws Exception {
        Path socket = directory.resolve("in.sock");
        try (EchoServer echo = new EchoServer();
             ForwarderJar jar = new ForwarderJar("--listen", "unix:" + socket, "--connect", "127.0.0.1:" + echo.port(),
                     "--unix-mode", "600", "--send-proxy", "v1")) {
            String banner = jar.nextLine();
            assertTrue(banner.startsWith("splice4j: forwarding unix:" + socket + " -> /127.0.0.1:" + echo.port()
                    + ", send PROXY v1, mode "), banner);
            assertTrue(Files.exists(socket));
            assertEquals(0, jar.terminate());
            assertFalse(Files.exists(socket), "removed on SIGTERM");
            assertTrue(jar.stdout().contains("PROXY headers rejected (malformed, incomplete or late): 0"), jar.stdout());
        }
    }

    @Test
    void aRegularFileAtThePathExits2NamingIt() throws Exception {
        Path file = directory.resolve("data");
        Files.writeString(file, "keep me");
        try (ForwarderJar jar = new ForwarderJar("--listen", "unix:" + file, "--connect", "127.0.0.1:9")) {
            assertEquals(2, jar.await());
            assertEquals("splice4j: --listen unix:" + file + ": the path exists and is not a socket (a regular file); "
                    + "not replacing it", jar.stderr().strip());
        }
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void aLiveListenerAtThePathExits2() throws Exception {
        Path socket = directory.resolve("live.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(socket));
             ForwarderJar jar = new ForwarderJar("--listen", "unix:" + socket, "--connect", "127.0.0.1:9")) {
            assertEquals(2, jar.await());
            assertTrue(jar.stderr().contains("--listen unix:" + socket + ": a server is listening there already"),
                    jar.stderr());
            assertTrue(Files.exists(socket));
        }
    }

    @Test
    void aBadModeIsAUsageError() throws Exception {
        try (ForwarderJar jar = new ForwarderJar("--listen", "unix:" + directory.resolve("s"), "--connect",
                "127.0.0.1:9", "--unix-mode", "u+rw")) {
            assertEquals(2, jar.await());
            assertTrue(jar.stderr().startsWith("splice4j: --unix-mode wants octal permissions such as 660 or 0600, "
                    + "got 'u+rw'\nusage:"), jar.stderr());
        }
    }
}
