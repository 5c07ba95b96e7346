package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.support.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A real TLS client through a forwarder: asks for a server name (or none) in its ClientHello,
 * trusts one server's certificate alone, completes the handshake, reads the server's
 * {@linkplain TlsEchoServer#greeting greeting} and checks an echo by length and SHA-256.
 */
final class TlsClient {

    private TlsClient() {
    }

    /**
     * Connects, echoes {@code size} bytes of its own and returns the server's greeting.
     *
     * @param serverName the SNI to send, or null for none
     * @param trusted the only server whose certificate it accepts
     */
    static String greetingAfterEcho(InetSocketAddress forwarder, String serverName, TlsIdentity trusted, int size,
            long seed) throws IOException, GeneralSecurityException, InterruptedException {
        return greetingAfterEcho(new Socket(), forwarder, serverName, trusted, size, seed);
    }

    /**
     * As {@link #greetingAfterEcho(InetSocketAddress, String, TlsIdentity, int, long)}, with TLS
     * layered over {@code plain}, a socket not yet connected that writes as it likes ({@link ByteByByte}).
     */
    static String greetingAfterEcho(Socket plain, InetSocketAddress forwarder, String serverName,
            TlsIdentity trusted, int size, long seed) throws IOException, GeneralSecurityException,
            InterruptedException {
        plain.setTcpNoDelay(true);
        plain.connect(forwarder, 10_000);
        plain.setSoTimeout(30_000);
        try (SSLSocket tls = (SSLSocket) trusted.clientContext().getSocketFactory().createSocket(plain,
                forwarder.getHostString(), forwarder.getPort(), true)) {
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            tls.setSSLParameters(parameters);
            tls.startHandshake();
            String greeting = line(tls.getInputStream());
            echo(tls, size, seed);
            return greeting;
        }
    }

    /** Sends {@code size} random bytes from a thread of their own and checks they all come back. */
    private static void echo(SSLSocket tls, int size, long seed) throws IOException, InterruptedException {
        byte[] sent = new byte[size];
        new SplittableRandom(seed).nextBytes(sent);
        OutputStream out = tls.getOutputStream();
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                for (int at = 0; at < size; at += 8192) {
                    out.write(sent, at, Math.min(8192, size - at));
                }
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
        MessageDigest received = sha256();
        InputStream in = tls.getInputStream();
        byte[] buffer = new byte[16 * 1024];
        long count = 0;
        while (count < size) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, size - count));
            if (n < 0) {
                break;
            }
            received.update(buffer, 0, n);
            count += n;
        }
        try {
            writing.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("writing the echo's bytes failed", e);
        }
        assertEquals(Digest.of(size, sha256().digest(sent)), Digest.of(count, received.digest()), "the echo");
    }

    /** One line, without its line feed. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("the end of the stream before a whole line: " + line);
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A TCP socket that writes a byte per call, each flushed, with {@code TCP_NODELAY}: under TLS it
     * sends the ClientHello a byte at a time. Counts the writes made before its first read, which
     * hold the client's whole first flight.
     */
    static final class ByteByByte extends Socket {

        private final AtomicInteger writesBeforeRead = new AtomicInteger();
        private volatile boolean read;

        /** Single-byte writes before the first read. */
        int writesBeforeRead() {
            return writesBeforeRead.get();
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            OutputStream out = super.getOutputStream();
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    out.flush();
                    if (!read) {
                        writesBeforeRead.incrementAndGet();
                    }
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    for (int i = 0; i < length; i++) {
                        write(bytes[offset + i]);
                    }
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }

        @Override
        public InputStream getInputStream() throws IOException {
            InputStream in = super.getInputStream();
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    read = true;
                    return in.read();
                }

                @Override
                public int read(byte[] bytes, int offset, int length) throws IOException {
                    read = true;
                    return in.read(bytes, offset, length);
                }

                @Override
                public int available() throws IOException {
                    return in.available();
                }

                @Override
                public void close() throws IOException {
                    in.close();
                }
            };
        }
    }
}
