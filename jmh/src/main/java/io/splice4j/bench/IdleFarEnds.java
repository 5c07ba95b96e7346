package io.splice4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The far ends of {@link IdleFootprint}'s relays, in a JVM of their own (both ends of 9 000 relays
 * would not fit under the fd limit in one): {@code IdleFarEnds PORT COUNT} opens an upstream
 * listener and prints {@code UPSTREAM port}, connects COUNT clients to the relays' listener on PORT
 * and accepts COUNT upstream connections from the relays, then prints {@code CONNECTED n}. On the
 * line {@code GO} every client sends {@value #MESSAGE} bytes of its own; the upstream end echoes
 * whatever it gets, and the client compares the echo with what it sent ({@code VERIFIED n failed m}).
 * Then every end waits for the relay to close its connection ({@code CLOSED n of 2·COUNT}) and
 * the process exits: 0 if everything was verified and closed.
 *
 * <p>Each connection is served by a virtual thread that blocks in plain socket reads: cheap here,
 * and not what is measured.
 */
public final class IdleFarEnds {

    static final int MESSAGE = 64;

    private IdleFarEnds() {
    }

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
            Thread acceptor = Thread.ofPlatform().daemon().name("far-end-acceptor").start(() -> {
                for (int i = 0; i < count; i++) {
                    try {
                        SocketChannel served = upstream.accept();
                        accepted.countDown();
                        Thread.ofVirtual().start(() -> echo(served, failed, closed));
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        return;
                    }
                }
            });
            for (int i = 0; i < count; i++) {
                clients.add(SocketChannel.open(relays));
            }
            boolean all = accepted.await(120, TimeUnit.SECONDS);
            acceptor.join(TimeUnit.SECONDS.toMillis(10));
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
            boolean allAnswered = answered.await(120, TimeUnit.SECONDS);
            System.out.println("VERIFIED " + verified.get() + " failed " + failed.get()
                    + (allAnswered ? "" : " (timed out)"));
            boolean allClosed = closed.await(120, TimeUnit.SECONDS);
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

    /** A client: sends its message, compares the echo, then waits for the relay to close. */
    private static void ask(SocketChannel client, long seed, AtomicInteger verified, AtomicInteger failed,
            CountDownLatch answered, CountDownLatch closed) {
        try {
            byte[] message = new byte[MESSAGE];
            new SplittableRandom(seed).nextBytes(message);
            ByteBuffer out = ByteBuffer.wrap(message);
            while (out.hasRemaining()) {
                client.write(out);
            }
            ByteBuffer echo = ByteBuffer.allocate(MESSAGE);
            while (echo.hasRemaining() && client.read(echo) >= 0) {
                // until the whole echo is in
            }
            if (!echo.hasRemaining() && echo.flip().equals(ByteBuffer.wrap(message))) {
                verified.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
        } catch (IOException e) {
            failed.incrementAndGet();
        } finally {
            answered.countDown();
        }
        awaitClose(client, closed);
    }

    /** An upstream end: echoes what it reads until the relay closes the connection. */
    private static void echo(SocketChannel served, AtomicInteger failed, CountDownLatch closed) {
        ByteBuffer buffer = ByteBuffer.allocate(MESSAGE);
        try (served) {
            while (served.read(buffer.clear()) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    served.write(buffer);
                }
            }
        } catch (IOException reset) {
            // The relay closed with a reset: closed all the same.
        } finally {
            closed.countDown();
        }
    }

    /** Reads until the relay closes the connection (end-of-stream or reset). */
    private static void awaitClose(SocketChannel channel, CountDownLatch closed) {
        ByteBuffer sink = ByteBuffer.allocate(MESSAGE);
        try {
            while (channel.read(sink.clear()) >= 0) {
                // nothing more is expected
            }
        } catch (IOException reset) {
            // A reset closes it too.
        } finally {
            closed.countDown();
        }
    }
}
