package io.splice4j.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listing leaves out its own descriptors and sees exactly the fds opened; the limit is the shell's. */
class OpenFdsTest {

    @Test
    void theListingsOwnDescriptorsAreLeftOut() {
        String self = "/proc/" + ProcessHandle.current().pid() + "/fd";
        assertTrue(OpenFds.list().values().stream().noneMatch(self::equals), OpenFds.list()::toString);
    }

    @Test
    void eachFdOpenedIsListedOnceUntilClosed() throws Exception {
        Path file = Files.createTempFile("splice4j-openfds", ".bin").toRealPath();
        List<FileChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                channels.add(FileChannel.open(file, StandardOpenOption.READ));
            }
            assertEquals(5, OpenFds.list().values().stream().filter(file.toString()::equals).count());
            for (FileChannel channel : channels) {
                channel.close();
            }
            assertEquals(0, OpenFds.list().values().stream().filter(file.toString()::equals).count());
        } finally {
            for (FileChannel channel : channels) {
                channel.close();
            }
            Files.delete(file);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theLimitIsWhatAChildShellInherits() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "ulimit -n").redirectErrorStream(true).start();
        String answer = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, shell.waitFor(), answer);
        assertEquals(answer.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(answer), OpenFds.limit());
    }
}
