package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Payload;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged forwarder as users run it, {@code java -jar splice4j.jar ...} with no JVM flags, its
 * output collected line by line. Stopped by its PID (SIGTERM, or SIGKILL when closed).
 */
final class ForwarderJar implements AutoCloseable {

    static final Path JAR = Path.of(System.getProperty("splice4j.jar", "target/splice4j.jar"));
    static final Pattern LISTENING = Pattern.compile("splice4j: forwarding /127\\.0\\.0\\.1:(\\d+) -> .*");

    final Process process;
    final LinkedBlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<String> stderr = new LinkedBlockingQueue<>();
    final StringBuilder stdoutText = new StringBuilder();
    final StringBuilder stderrText = new StringBuilder();
    final List<Thread> collectors = new ArrayList<>();

    ForwarderJar(String... args) throws IOException {
        this(List.of(), args);
    }

    /** Runs the jar behind {@code prefix}, a command such as {@code prlimit ... --}. */
    ForwarderJar(List<String> prefix, String... args) throws IOException {
        this(prefix, List.of(), args);
    }

    /** Runs the jar behind {@code prefix}, with {@code jvmOptions} before {@code -jar}. */
    ForwarderJar(List<String> prefix, List<String> jvmOptions, String... args) throws IOException {
        this(true, prefix, jvmOptions, args);
    }

    /**
     * Runs the jar with its standard error going into a pipe that nobody reads: once the pipe is
     * full (64 KiB), every write to it blocks, as on a stalled terminal or log collector.
     */
    static ForwarderJar withStderrUnread(String... args) throws IOException {
        return new ForwarderJar(false, List.of(), List.of(), args);
    }

    private ForwarderJar(boolean readStderr, List<String> prefix, List<String> jvmOptions, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        assertTrue(Files.isRegularFile(JAR), "the packaged jar exists: " + JAR);
        process = new ProcessBuilder(command).start();
        collectors.add(collect(process.getInputStream(), stdoutText, stdout));
        if (readStderr) {
            collectors.add(collect(process.getErrorStream(), stderrText, stderr));
        }
    }

    private static Thread collect(InputStream stream, StringBuilder text, LinkedBlockingQueue<String> lines) {
        return Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (text) {
                        text.append(line).append('\n');
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
    }

    /**
     * Reads the start line and returns the port the forwarder listens on.
     *
     * @return the port
     */
    int awaitListening() throws InterruptedException {
        return port(nextLine());
    }

    /** The port a start line names. */
    static int port(String banner) {
        Matcher listening = LISTENING.matcher(banner);
        assertTrue(listening.matches(), banner);
        return Integer.parseInt(listening.group(1));
    }

    /**
     * Waits for a line of standard error that contains {@code text}.
     *
     * @return the line
     */
    String awaitLogged(String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (;;) {
            String line = stderr.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertTrue(line != null, "no log line with '" + text + "' within " + seconds + " s: " + stderrText);
            if (line.contains(text)) {
                return line;
            }
        }
    }

    long pid() {
        return process.pid();
    }

    String nextLine() throws InterruptedException {
        String line = stdout.poll(30, TimeUnit.SECONDS);
        assertTrue(line != null, "no output within 30 s");
        return line;
    }

    /** Sends SIGTERM to the process's PID and returns its exit code. */
    int terminate() throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of its output pipes.
        assertTrue(process.toHandle().destroy(), "SIGTERM sent");
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
        return process.exitValue();
    }

    int await() throws InterruptedException {
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "finished");
        return process.exitValue();
    }

    /** All of standard output, once the process has exited and the pipe is read to its end. */
    String stdout() throws InterruptedException {
        awaitOutput();
        synchronized (stdoutText) {
            return stdoutText.toString();
        }
    }

    String stderr() throws InterruptedException {
        if (!process.isAlive()) {
            awaitOutput();
        }
        synchronized (stderrText) {
            return stderrText.toString();
        }
    }

    private void awaitOutput() throws InterruptedException {
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exited");
        for (Thread collector : collectors) {
            collector.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    /**
     * The upstream end of one forwarded connection, on a thread of its own: accepts it, reads the
     * request to its end, replies with {@code reply} bytes of {@link Payload} and closes.
     *
     * @return the request's digest, when done
     */
    static CompletableFuture<Digest> upstreamOnce(ServerSocketChannel upstream, long reply) {
        return upstreamOnce(upstream, reply, false);
    }

    /**
     * {@link #upstreamOnce(ServerSocketChannel, long)}, or with {@code replyFirst} the other way
     * round: replies, shuts its output down (the client sees the end of the reply while its own
     * stream still runs), then reads the request to its end.
     *
     * @return the request's digest, when done
     */
    static CompletableFuture<Digest> upstreamOnce(ServerSocketChannel upstream, long reply, boolean replyFirst) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel server = upstream.accept()) {
                if (replyFirst) {
                    Payload.write(server, reply);
                    server.shutdownOutput();
                    return Payload.readToEnd(server);
                }
                Digest received = Payload.readToEnd(server);
                Payload.write(server, reply);
                return received;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
