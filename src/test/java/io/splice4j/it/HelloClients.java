package io.splice4j.it;

import static io.splice4j.it.Source.say;

import io.splice4j.support.ClientHellos;
import io.splice4j.support.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client end of a routing test, run as its own process: clients that start with a TLS
 * ClientHello (the JDK's, for the server name given), then send bytes of their own, and check that
 * everything they sent comes back, to the last byte, from an echo behind the forwarder. They run
 * in waves the test asks for on standard input, a line {@code N} for a wave of N clients at once, so
 * that the test knows no client is under way between two waves. One line per event on standard
 * output:
 *
 * <pre>
 * ok CONN LENGTH SHA-256            (sent, and received back the same)
 * failed CONN written=N read=N WHY
 * wave WAVE done ok=N failed=N
 * </pre>
 *
 * <p>Usage: {@code HelloClients HOST PORT SERVER-NAME SIZE}; SIZE bytes after the hello, different
 * for every client. Exits at the end of standard input, 0 if no client failed.
 */
public final class HelloClients {

    private HelloClients() {
    }

    /**
     * Runs it.
     *
     * @param args see the class comment
     * @throws IOException if standard input can't be read
     */
    public static void main(String[] args) throws IOException {
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        String serverName = args[2];
        int size = (int) Traffic.size(args[3]);
        AtomicInteger failed = new AtomicInteger();
        int conn = 0;
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        for (int wave = 0; (line = commands.readLine()) != null; wave++) {
            int clients = Integer.parseInt(line.strip());
            List<CompletableFuture<Boolean>> running = new ArrayList<>();
            for (int i = 0; i < clients; i++, conn++) {
                int id = conn;
                running.add(CompletableFuture.supplyAsync(() -> run(id, target, serverName, size),
                        task -> Thread.ofPlatform().name("client-" + id).start(task)));
            }
            int ok = (int) running.stream().filter(CompletableFuture::join).count();
            failed.addAndGet(clients - ok);
            say("wave " + wave + " done ok=" + ok + " failed=" + (clients - ok));
        }
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    /** One client: the hello and its bytes out (on a thread of their own), everything back to the end. */
    private static boolean run(int conn, InetSocketAddress target, String serverName, int size) {
        byte[] hello = ClientHellos.jdk("TLSv1.3", serverName);
        byte[] sent = new byte[hello.length + size];
        System.arraycopy(hello, 0, sent, 0, hello.length);
        byte[] own = new byte[size];
        new SplittableRandom(conn).nextBytes(own);
        System.arraycopy(own, 0, sent, hello.length, size);
        AtomicInteger written = new AtomicInteger();
        long read = 0;
        try (SocketChannel channel = SocketChannel.open(target)) {
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    ByteBuffer out = ByteBuffer.wrap(sent);
                    while (out.hasRemaining()) {
                        written.addAndGet(channel.write(out));
                    }
                    channel.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, task -> Thread.ofPlatform().name("client-" + conn + "-out").start(task));
            MessageDigest back = sha256();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            for (int n; (n = channel.read(in.clear())) >= 0; ) {
                back.update(in.flip());
                read += n;
            }
            writing.join();
            Digest expected = Digest.of(sent.length, sha256().digest(sent));
            Digest received = Digest.of(read, back.digest());
            if (!expected.equals(received)) {
                say("failed " + conn + " written=" + written.get() + " read=" + read + " sent " + expected
                        + ", received " + received);
                return false;
            }
            say("ok " + conn + " " + received.length() + " " + received.sha256());
            return true;
        } catch (IOException | RuntimeException e) {
            say("failed " + conn + " written=" + written.get() + " read=" + read + " " + e);
            return false;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
