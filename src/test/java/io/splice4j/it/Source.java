package io.splice4j.it;

import io.splice4j.support.Digest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client end of an integration test, run as its own process (in a network namespace or a
 * container): connects, sends {@code SIZE} bytes of {@link Traffic}, shuts its output down, reads
 * the reply to its end, and prints one line per event on standard output:
 *
 * <pre>
 * connected CONN LOCAL-ADDRESS
 * progress CONN BYTES-SENT
 * sent CONN LENGTH SHA-256
 * received CONN LENGTH SHA-256
 * error CONN written=N read=N EXCEPTION
 * done ok=N failed=N
 * </pre>
 *
 * <p>Usage: {@code Source HOST PORT SIZE [--connections N] [--progress SIZE] [--delay-ms MS]}, where
 * {@code --delay-ms} waits that long after connecting before sending; {@code HOST} may be
 * {@code unix:/path} for a Unix socket ({@code PORT} is then ignored). Exits 0 if every connection
 * completed, 1 otherwise.
 */
public final class Source {

    private Source() {
    }

    /**
     * Runs it.
     *
     * @param args see the class comment
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        SocketAddress target = args[0].startsWith("unix:") ? UnixDomainSocketAddress.of(args[0].substring(5))
                : new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long size = Traffic.size(args[2]);
        int connections = 1;
        long progressEvery = 0;
        long delayMillis = 0;
        for (int i = 3; i < args.length; i += 2) {
            switch (args[i]) {
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--progress" -> progressEvery = Traffic.size(args[i + 1]);
                case "--delay-ms" -> delayMillis = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        AtomicInteger failed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int conn = c;
            long progress = progressEvery;
            long delay = delayMillis;
            threads.add(Thread.ofPlatform().name("source-" + c).start(() -> {
                if (!run(conn, target, size, progress, delay)) {
                    failed.incrementAndGet();
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        say("done ok=" + (connections - failed.get()) + " failed=" + failed.get());
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    private static boolean run(int conn, SocketAddress target, long size, long progressEvery, long delayMillis) {
        AtomicLong written = new AtomicLong();
        AtomicLong read = new AtomicLong();
        try (SocketChannel channel = SocketChannel.open(target)) {
            say("connected " + conn + " " + channel.getLocalAddress());
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            Digest sent = Traffic.send(channel, size, written, progressEvery, bytes -> say("progress " + conn + " " + bytes));
            say("sent " + conn + " " + sent.length() + " " + sent.sha256());
            channel.shutdownOutput();
            Digest received = Traffic.receive(channel, Long.MAX_VALUE, read, 0, bytes -> { });
            say("received " + conn + " " + received.length() + " " + received.sha256());
            return true;
        } catch (IOException | InterruptedException e) {
            say("error " + conn + " written=" + written.get() + " read=" + read.get() + " " + e);
            return false;
        }
    }

    static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
