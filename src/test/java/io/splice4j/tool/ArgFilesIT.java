package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar splice4j.jar @FILE}: the packaged forwarder reads its arguments from a file. */
class ArgFilesIT {

    @TempDir
    Path directory;

    @Test
    @Timeout(60)
    void aFileOfArgumentsStartsTheForwarder() throws Exception {
        try (EchoServer echo = new EchoServer()) {
            Path file = Files.writeString(directory.resolve("forwarder.args"), """
                    # where from and to
                    --listen 127.0.0.1:0
                    --connect "127.0.0.1:%d"
                    """.formatted(echo.port()));
            try (ForwarderJar jar = new ForwarderJar("@" + file, "--idle-timeout", "1m")) {
                String banner = jar.nextLine();
                assertTrue(banner.contains(", idle timeout 1m, "), banner);
                try (SocketChannel client = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        ForwarderJar.port(banner)))) {
                    Wire.roundTrip(client, 1);
                }
                assertEquals(0, jar.terminate(), jar.stderr());
            }
        }
    }

    @Test
    @Timeout(60)
    void aMissingFileIsAUsageErrorNamingIt() throws Exception {
        Path missing = directory.resolve("forwarder.args");
        try (ForwarderJar jar = new ForwarderJar("@" + missing)) {
            assertEquals(2, jar.await());
            String stderr = jar.stderr();
            assertTrue(stderr.startsWith("splice4j: can't read argument file '" + missing
                    + "': no such file or directory\n"
                    + "usage: java -jar splice4j.jar"), stderr);
            assertFalse(stderr.contains("Exception") || stderr.contains("\tat "), "no stack trace: " + stderr);
        }
    }
}
