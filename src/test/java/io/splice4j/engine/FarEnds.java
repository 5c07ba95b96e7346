package io.splice4j.engine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The far ends of many relays, in a process of their own (the fd limit can't hold both ends of
 * 9 000 relays in one): N clients that connect to the relay JVM, and an upstream server that the
 * relay JVM connects to for each. On "GO" every client sends 64 bytes of its own; the upstream end
 * answers with their SHA-256, which the client checks. Then each end waits for the relay to close
 * the connection. Prints one line per stage.
 */
public final class FarEnds {

    private static final int MESSAGE = 64;

    private FarEnds() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress relays = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        int count = Integer.parseInt(args[1]);
        AtomicInteger verified = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch answered = new CountDownLatch(count);
        CountDownLatch ended = new CountDownLatch(2 * count);
        try (ServerSocketChannel upstream = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096)) {
            System.out.println("UPSTREAM " + ((InetSocketAddress) upstream.getLocalAddress()).getPort());
            Thread acceptor = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < count; i++) {
                    try {
                        SocketChannel served = upstream.accept();
                        Thread.ofVirtual().start(() -> answer(served, failed, ended));
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            List<SocketChannel> clients = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                clients.add(SocketChannel.open(relays));
            }
            acceptor.join();
            System.out.println("CONNECTED " + clients.size());
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in));
            if (!"GO".equals(commands.readLine())) {
                return;
            }
            for (int i = 0; i < count; i++) {
                int index = i;
                Thread.ofVirtual().start(() -> ask(clients.get(index), index, verified, failed, answered, ended));
            }
            boolean all = answered.await(120, TimeUnit.SECONDS);
            System.out.println("VERIFIED " + verified.get() + " failed " + failed.get() + (all ? "" : " (timed out)"));
            boolean closed = ended.await(120, TimeUnit.SECONDS);
            System.out.println("CLOSED " + (2 * count - ended.getCount()) + " of " + 2 * count
                    + (closed ? "" : " (timed out)"));
            for (SocketChannel client : clients) {
                client.close();
            }
        }
    }

    private static void ask(SocketChannel client, int index, AtomicInteger verified, AtomicInteger failed,
            CountDownLatch answered, CountDownLatch ended) {
        try (client) {
            byte[] message = new byte[MESSAGE];
            new SplittableRandom(index).nextBytes(message);
            client.write(ByteBuffer.wrap(message));
            ByteBuffer reply = ByteBuffer.allocate(32);
            while (reply.hasRemaining() && client.read(reply) >= 0) {
                // until the whole digest is in
            }
            if (Arrays.equals(reply.array(), MessageDigest.getInstance("SHA-256").digest(message))) {
                verified.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
            answered.countDown();
            awaitEnd(client);
        } catch (Exception e) {
            failed.incrementAndGet();
            answered.countDown();
        } finally {
            ended.countDown();
        }
    }

    private static void answer(SocketChannel served, AtomicInteger failed, CountDownLatch ended) {
        try (served) {
            ByteBuffer message = ByteBuffer.allocate(MESSAGE);
            while (message.hasRemaining() && served.read(message) >= 0) {
                // until the whole message is in
            }
            served.write(ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(message.array())));
            awaitEnd(served);
        } catch (Exception e) {
            failed.incrementAndGet();
        } finally {
            ended.countDown();
        }
    }

    /** Reads until the relay closes the connection (end-of-stream or reset). */
    private static void awaitEnd(SocketChannel channel) {
        ByteBuffer sink = ByteBuffer.allocate(64);
        try {
            while (channel.read(sink) >= 0) {
                sink.clear();
            }
        } catch (IOException reset) {
            // A reset ends it too.
        }
    }
}
