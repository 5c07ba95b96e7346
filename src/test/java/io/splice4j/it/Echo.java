package io.splice4j.it;

import static io.splice4j.it.Source.say;

import io.splice4j.support.Digest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A server end of an integration test, run as its own process until it is stopped by its PID:
 * listens on all addresses, accepts every client, sends back each byte it receives until the
 * client's end of stream, closes, and prints one line per event on standard output:
 *
 * <pre>
 * listening PORT
 * accepted CONN REMOTE-ADDRESS
 * echoed CONN LENGTH SHA-256      (after the close: the connection is over)
 * error CONN EXCEPTION
 * </pre>
 *
 * <p>Usage: {@code Echo PORT}. A connection that sends nothing (a health check's) echoes 0 bytes.
 */
public final class Echo {

    private Echo() {
    }

    /**
     * Runs it.
     *
     * @param args the port
     * @throws IOException if it can't listen or accept
     */
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(port), 256)) {
            say("listening " + port);
            for (int conn = 0; ; conn++) {
                SocketChannel channel = server.accept();
                int id = conn;
                Thread.ofPlatform().name("echo-" + conn).start(() -> serve(id, channel));
            }
        }
    }

    private static void serve(int conn, SocketChannel channel) {
        try {
            say("accepted " + conn + " " + channel.getRemoteAddress());
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            long length = 0;
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                sha.update(buffer.duplicate());
                length += buffer.remaining();
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                buffer.clear();
            }
            channel.close();
            Digest echoed = Digest.of(length, sha.digest());
            say("echoed " + conn + " " + echoed.length() + " " + echoed.sha256());
        } catch (IOException | NoSuchAlgorithmException e) {
            say("error " + conn + " " + e);
        } finally {
            try {
                channel.close();
            } catch (IOException e) {
                // Reported above if it mattered.
            }
        }
    }
}
