package io.splice4j.tool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A TLS server on loopback behind a forwarder that routes by server name, an {@link EchoServer}
 * whose connections speak TLS: completes each client's handshake with its own {@link TlsIdentity},
 * says inside the session which server it is and which server name the client's hello asked for
 * ({@link #greeting}), then echoes every byte until the client's end of stream. Counts the
 * handshakes it completed.
 */
final class TlsEchoServer implements AutoCloseable {

    private final TlsIdentity identity;
    private final SSLSocketFactory tls;
    private final EchoServer server;
    private final AtomicInteger handshakes = new AtomicInteger();

    TlsEchoServer(TlsIdentity identity) throws IOException, GeneralSecurityException {
        this.identity = identity;
        this.tls = identity.serverContext().getSocketFactory();
        this.server = new EchoServer(ServerSocketChannel.open().bind(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0), 1024), this::serve);
    }

    /** The line a server sends first: {@code server NAME sni NAME-ASKED-FOR}, {@code -} for none. */
    static String greeting(String server, String serverName) {
        return "server " + server + " sni " + (serverName == null ? "-" : serverName);
    }

    int port() {
        return server.port();
    }

    /** Its address, as {@code --connect} and {@code --sni-route} write it. */
    String endpoint() {
        return "127.0.0.1:" + port();
    }

    TlsIdentity identity() {
        return identity;
    }

    /** Handshakes completed so far. */
    int handshakes() {
        return handshakes.get();
    }

    /** TLS in server mode over the accepted connection, then the greeting and the echo. */
    private void serve(SocketChannel connection) throws IOException {
        try (SSLSocket session = (SSLSocket) tls.createSocket(connection.socket(), null, true)) {
            session.startHandshake();
            handshakes.incrementAndGet();
            List<SNIServerName> asked = ((ExtendedSSLSession) session.getSession()).getRequestedServerNames();
            String serverName = asked.isEmpty() ? null : ((SNIHostName) asked.getFirst()).getAsciiName();
            OutputStream out = session.getOutputStream();
            out.write((greeting(identity.name(), serverName) + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = session.getInputStream();
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
