package io.splice4j.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The far ends of many relays, in a process of their own (the fd limit can't hold both ends of
 * 9 000 relays in one), run with {@link ChildJvm}: {@code FarEnds PORT COUNT} opens an upstream
 * listener and prints {@code UPSTREAM port}, connects COUNT clients to the relays' listener on PORT
 * and accepts COUNT upstream connections from the relays, then prints {@code CONNECTED n}. On the
 * line {@code GO} every client sends {@value #MESSAGE} bytes of its own; the upstream end answers
 * with their SHA-256 ({@value #ANSWER} bytes), which the client checks, so a relay that sent a
 * client's bytes back to it, or to another client's upstream, fails ({@code VERIFIED n failed m}).
 * Then every end waits for the relay to close its connection ({@code CLOSED n of 2·COUNT}) and the
 * process exits: 0 if everything was verified and closed.
 *
 * <p>Each connection is served by a virtual thread that blocks in plain socket reads: cheap here,
 * and not what is measured.
 */
public final class FarEnds {

    /** Bytes each client sends through its relay. */
    public static final int MESSAGE = 64;

    /** Bytes each upstream end answers with: the message's SHA-256. */
    public static final int ANSWER = 32;

    private static final long TIMEOUT_SECONDS = 120;

    private FarEnds() {
    }

    /**
     * Runs the far ends; see the class description.
     *
     * @param args the relays' port and the number of relays
     * @throws Exception if the listener can't be opened or a client can't connect
     */
    public static void main(String[] args) throws Exception {
        InetSocketAddress relays = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        int count = Integer.parseInt(args[1]);
        AtomicInteger verified = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch accepted = new CountDownLatch(count);
        CountDownLatch answered = new CountDownLatch(count);
        CountDownLatch closed = new CountDownLatch(2 * count);
        List<SocketChannel> clients = new ArrayList<>(count);
        boolean ok = false;
        try (ServerSocketChannel upstream = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096)) {
            System.out.println("UPSTREAM " + ((InetSocketAddress) upstream.getLocalAddress()).getPort());
            Thread.ofPlatform().daemon().name("far-end-acceptor").start(() -> {
                for (int i = 0; i < count; i++) {
                    try {
                        SocketChannel served = upstream.accept();
                        accepted.countDown();
                        Thread.ofVirtual().start(() -> answer(served, failed, closed));
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        return;
                    }
                }
            });
            for (int i = 0; i < count; i++) {
                clients.add(SocketChannel.open(relays));
            }
            boolean all = accepted.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            System.out.println("CONNECTED " + (count - accepted.getCount()) + (all ? "" : " (timed out)"));
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (!all || !"GO".equals(commands.readLine())) {
                System.exit(2);
            }
            for (int i = 0; i < count; i++) {
                SocketChannel client = clients.get(i);
                long seed = i;
                Thread.ofVirtual().start(() -> ask(client, seed, verified, failed, answered, closed));
            }
            boolean allAnswered = answered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            System.out.println("VERIFIED " + verified.get() + " failed " + failed.get()
                    + (allAnswered ? "" : " (timed out)"));
            boolean allClosed = closed.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            System.out.println("CLOSED " + (2 * count - closed.getCount()) + " of " + 2 * count
                    + (allClosed ? "" : " (timed out)"));
            ok = allAnswered && allClosed && verified.get() == count && failed.get() == 0;
        } finally {
            for (SocketChannel client : clients) {
                client.close();
            }
        }
        System.exit(ok ? 0 : 1);
    }

    /** A client: sends its message, checks the answer, then waits for the relay to close. */
    private static void ask(SocketChannel client, long seed, AtomicInteger verified, AtomicInteger failed,
            CountDownLatch answered, CountDownLatch closed) {
        try {
            byte[] message = new byte[MESSAGE];
            new SplittableRandom(seed).nextBytes(message);
            ByteBuffer out = ByteBuffer.wrap(message);
            while (out.hasRemaining()) {
                client.write(out);
            }
            ByteBuffer reply = ByteBuffer.allocate(ANSWER);
            while (reply.hasRemaining() && client.read(reply) >= 0) {
                // until the whole answer is in
            }
            if (!reply.hasRemaining() && reply.flip().equals(ByteBuffer.wrap(sha256(message)))) {
                verified.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
        } catch (IOException e) {
            failed.incrementAndGet();
        } finally {
            answered.countDown();
        }
        awaitClose(client);
        closed.countDown();
    }

    /** An upstream end: answers one message with its digest, then waits for the relay to close. */
    private static void answer(SocketChannel served, AtomicInteger failed, CountDownLatch closed) {
        try (served) {
            ByteBuffer message = ByteBuffer.allocate(MESSAGE);
            while (message.hasRemaining() && served.read(message) >= 0) {
                // until the whole message is in
            }
            ByteBuffer reply = ByteBuffer.wrap(sha256(message.array()));
            while (reply.hasRemaining()) {
                served.write(reply);
            }
            awaitClose(served);
        } catch (IOException e) {
            failed.incrementAndGet();
        } finally {
            closed.countDown();
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Reads until the relay closes the connection (end-of-stream or reset). */
    private static void awaitClose(SocketChannel channel) {
        ByteBuffer sink = ByteBuffer.allocate(MESSAGE);
        try {
            while (channel.read(sink.clear()) >= 0) {
                // nothing more is expected
            }
        } catch (IOException reset) {
            // A reset closes it too.
        }
    }
}
