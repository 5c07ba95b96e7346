package io.splice4j.it;

import static io.splice4j.it.Source.say;

import io.splice4j.support.Digest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server end of an integration test, run as its own process: listens on all addresses (or on a
 * Unix socket, given {@code unix:/path} for the port), accepts
 * {@code --connections} clients, reads each to its end, replies with {@code --reply} bytes of
 * {@link Traffic}, closes, and prints one line per event on standard output:
 *
 * <pre>
 * listening PORT                  (the port as given, {@code unix:/path} included)
 * accepted CONN REMOTE-ADDRESS
 * progress CONN BYTES-RECEIVED
 * paused CONN BYTES-RECEIVED      (--pause-after: stops reading, holds the connection open)
 * reset CONN BYTES-RECEIVED       (--reset-after: closes with SO_LINGER 0, which sends a TCP RST)
 * received CONN LENGTH SHA-256
 * sent CONN LENGTH SHA-256
 * error CONN EXCEPTION
 * done ok=N failed=N
 * </pre>
 *
 * <p>Usage: {@code Sink PORT [--connections N] [--reply SIZE] [--progress SIZE] [--pause-after SIZE]
 * [--reset-after SIZE]}. Exits 0 once every connection completed, 1 if any failed; a paused
 * connection never completes (the test stops the process).
 */
public final class Sink {

    private Sink() {
    }

    /**
     * Runs it.
     *
     * @param args see the class comment
     * @throws IOException if it can't listen
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        String port = args[0];
        int connections = 1;
        long reply = 0;
        long progressEvery = 0;
        long pauseAfter = Long.MAX_VALUE;
        long resetAfter = Long.MAX_VALUE;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--reply" -> reply = Traffic.size(args[i + 1]);
                case "--progress" -> progressEvery = Traffic.size(args[i + 1]);
                case "--pause-after" -> pauseAfter = Traffic.size(args[i + 1]);
                case "--reset-after" -> resetAfter = Traffic.size(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        AtomicInteger failed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        try (ServerSocketChannel server = listen(port)) {
            say("listening " + port);
            for (int c = 0; c < connections; c++) {
                SocketChannel channel = server.accept();
                int conn = c;
                long replySize = reply;
                long progress = progressEvery;
                long pause = pauseAfter;
                long reset = resetAfter;
                threads.add(Thread.ofPlatform().name("sink-" + c).start(() -> {
                    if (!serve(conn, channel, replySize, progress, pause, reset)) {
                        failed.incrementAndGet();
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
        }
        say("done ok=" + (connections - failed.get()) + " failed=" + failed.get());
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    private static ServerSocketChannel listen(String port) throws IOException {
        if (port.startsWith("unix:")) {
            Path path = Path.of(port.substring("unix:".length()));
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                    .bind(UnixDomainSocketAddress.of(path), 256);
            // Other containers' users may connect to it; the test removes the file.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
            return server;
        }
        return ServerSocketChannel.open().bind(new InetSocketAddress(Integer.parseInt(port)), 256);
    }

    private static boolean serve(int conn, SocketChannel channel, long reply, long progressEvery, long pauseAfter,
            long resetAfter) {
        AtomicLong read = new AtomicLong();
        try (channel) {
            say("accepted " + conn + " " + channel.getRemoteAddress());
            long limit = Math.min(pauseAfter, resetAfter);
            Digest received = Traffic.receive(channel, limit, read, progressEvery,
                    bytes -> say("progress " + conn + " " + bytes));
            if (received.length() >= pauseAfter) {
                say("paused " + conn + " " + received.length());
                Thread.sleep(Long.MAX_VALUE);
            }
            if (received.length() >= resetAfter) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                channel.close();
                say("reset " + conn + " " + received.length());
                return true;
            }
            say("received " + conn + " " + received.length() + " " + received.sha256());
            if (reply > 0) {
                Digest sent = Traffic.send(channel, reply, new AtomicLong(), 0, bytes -> { });
                say("sent " + conn + " " + sent.length() + " " + sent.sha256());
            }
            return true;
        } catch (IOException | InterruptedException e) {
            say("error " + conn + " read=" + read.get() + " " + e);
            return false;
        }
    }
}
