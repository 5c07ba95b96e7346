package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The library works as a named module: a small consumer module, compiled against it and run with
 * {@code --module-path}, splices with only {@code --enable-native-access=io.splice4j}.
 */
class ModulePathTest {

    @TempDir
    static Path work;

    private static Path library;
    private static Path consumer;

    @BeforeAll
    static void compileConsumer() throws Exception {
        library = Path.of(Splice.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.exists(library.resolve("module-info.class")), "library classes hold module-info.class");
        consumer = work.resolve("consumer");
        List<String> command = new ArrayList<>(List.of(jdkTool("javac"), "--module-path", library.toString(),
                "-d", consumer.toString()));
        try (Stream<Path> sources = Files.walk(Path.of("src/test/consumer/io.splice4j.consumer"))) {
            sources.filter(p -> p.toString().endsWith(".java")).forEach(p -> command.add(p.toString()));
        }
        assertEquals("", run(command), "javac output");
    }

    private static String jdkTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    /** Runs a command to completion and returns its output; fails the test on a non-zero exit. */
    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), () -> "finished: " + command);
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), output);
            return output;
        } finally {
            process.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--enable-native-access=io.splice4j|zeroCopy=true path=ZERO_COPY intact=true module=io.splice4j",
        "--enable-native-access=io.splice4j --add-exports=java.base/sun.nio.ch=io.splice4j|"
                + "zeroCopy=true path=ZERO_COPY intact=true module=io.splice4j",
        "--illegal-native-access=deny|zeroCopy=false path=PORTABLE intact=true module=io.splice4j"})
    void consumerModuleRuns(String flags, String expected) throws Exception {
        List<String> command = new ArrayList<>(List.of(jdkTool("java")));
        command.addAll(List.of(flags.split(" ")));
        command.addAll(List.of("--module-path", library + File.pathSeparator + consumer,
                "--module", "io.splice4j.consumer/io.splice4j.consumer.Main"));
        String output = run(command);
        assertTrue(output.lines().anyMatch(expected::equals), output);
        assertFalse(output.contains("restricted method"), "no JDK native-access warning: " + output);
    }
}
