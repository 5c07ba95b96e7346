package io.splice4j.consumer;

import io.splice4j.Splice;
import io.splice4j.SpliceOptions;
import io.splice4j.SpliceResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;

/** Splices 4 MiB across two loopback connections and prints what happened, one key=value per word. */
public final class Main {

    public static void main(String[] args) throws Exception {
        byte[] payload = new byte[4 << 20];
        new Random(42).nextBytes(payload);
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel feeder = SocketChannel.open(server.getLocalAddress());
             SocketChannel source = server.accept();
             SocketChannel target = SocketChannel.open(server.getLocalAddress());
             SocketChannel drain = server.accept()) {
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    feeder.write(ByteBuffer.wrap(payload));
                    feeder.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] received = new byte[payload.length];
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    ByteBuffer buffer = ByteBuffer.wrap(received);
                    while (buffer.hasRemaining() && drain.read(buffer) >= 0) {
                        // read until full
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SpliceResult result = Splice.spliceWithResult(source, target, SpliceOptions.defaults());
            writer.join();
            reader.join();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            boolean intact = result.bytes() == payload.length
                    && Arrays.equals(sha.digest(payload), MessageDigest.getInstance("SHA-256").digest(received));
            System.out.println("zeroCopy=" + Splice.zeroCopy() + " path=" + result.path() + " intact=" + intact
                    + " module=" + Splice.class.getModule().getName());
        }
    }
}
