package io.splice4j.tool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Both far ends of a forwarder, in a JVM of their own so that their fds don't count against the
 * test's: an {@link EchoServer} upstream, and clients driven by commands on standard input, one
 * answer line each on standard output ({@code error ...} if anything was wrong).
 *
 * <ul>
 * <li>{@code open PORT N}: opens N clients to the forwarder at PORT, each sends eight bytes of its
 *     own and must get exactly them back: {@code opened N MILLIS}
 * <li>{@code big EVERY SIZE}: every EVERY-th client sends SIZE bytes of its own and must get back
 *     the same length and SHA-256: {@code big COUNT}
 * <li>{@code status}: {@code status open=O peak=P accepted=A} of the echo server
 * <li>{@code close}: every client shuts its output down, must read end-of-stream and nothing else,
 *     and closes; then the echo server must have closed every connection: {@code closed N MILLIS}
 * </ul>
 */
public final class EchoFarEnds {

    private final EchoServer echo;
    private final List<SocketChannel> clients = new ArrayList<>();

    private EchoFarEnds(EchoServer echo) {
        this.echo = echo;
    }

    /**
     * Starts the echo server, prints {@code echo PORT} and serves commands until standard input ends.
     *
     * @param args none
     * @throws IOException if the echo server can't start
     */
    public static void main(String[] args) throws IOException {
        try (EchoServer echo = new EchoServer()) {
            EchoFarEnds farEnds = new EchoFarEnds(echo);
            System.out.println("echo " + echo.port());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.split(" ");
                try {
                    System.out.println(farEnds.run(words));
                } catch (Exception | AssertionError e) {
                    System.out.println("error " + line + ": " + e);
                }
            }
        }
    }

    private String run(String[] words) throws Exception {
        long start = System.nanoTime();
        return switch (words[0]) {
            case "open" -> {
                int count = open(Integer.parseInt(words[1]), Integer.parseInt(words[2]));
                yield "opened " + count + " " + (System.nanoTime() - start) / 1_000_000;
            }
            case "big" -> "big " + big(Integer.parseInt(words[1]), Integer.parseInt(words[2]));
            case "status" -> "status open=" + echo.open() + " peak=" + echo.peak() + " accepted=" + echo.accepted();
            case "close" -> {
                int count = closeAll();
                yield "closed " + count + " " + (System.nanoTime() - start) / 1_000_000;
            }
            default -> throw new IllegalArgumentException("unknown command");
        };
    }

    private int open(int port, int count) throws IOException {
        InetSocketAddress forwarder = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        int first = clients.size();
        for (int i = 0; i < count; i++) {
            SocketChannel client = SocketChannel.open(forwarder);
            clients.add(client);
            Wire.write(client, Wire.token(first + i));
        }
        for (int i = first; i < clients.size(); i++) {
            byte[] back = Wire.readExactly(clients.get(i), Long.BYTES);
            if (!Arrays.equals(Wire.token(i).array(), back)) {
                throw new AssertionError("client " + i + " got " + Arrays.toString(back));
            }
        }
        return count;
    }

    private int big(int every, int size) throws IOException {
        int checked = 0;
        for (int i = 0; i < clients.size(); i += every) {
            byte[] message = new byte[size];
            new SplittableRandom(i).nextBytes(message);
            Wire.write(clients.get(i), ByteBuffer.wrap(message));
            byte[] back = Wire.readExactly(clients.get(i), size);
            if (!Arrays.equals(sha256(message), sha256(back))) {
                throw new AssertionError("client " + i + ": " + size + " bytes came back different");
            }
            checked++;
        }
        return checked;
    }

    private int closeAll() throws IOException, InterruptedException {
        for (SocketChannel client : clients) {
            client.shutdownOutput();
        }
        ByteBuffer rest = ByteBuffer.allocate(1);
        for (int i = 0; i < clients.size(); i++) {
            try (SocketChannel client = clients.get(i)) {
                if (client.read(rest) != -1) {
                    throw new AssertionError("client " + i + ": a byte more than was sent");
                }
            }
        }
        int count = clients.size();
        clients.clear();
        if (!echo.awaitNoneOpen(60)) {
            throw new AssertionError(echo.open() + " upstream connections still open");
        }
        return count;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
