package io.splice4j.tool;

import io.splice4j.TlsClientHello;
import io.splice4j.TlsClientHelloException;
import io.splice4j.TlsClientHelloParser;
import io.splice4j.TlsPreread;
import io.splice4j.internal.BlockingPreread;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * Routing by TLS server name at the start of a connection ({@code --sni-route}): reads the client's
 * ClientHello, notes the server name it asks for, and picks the group it goes to. The hello is only
 * read, never answered: every byte read goes upstream first, and TLS runs end to end.
 */
final class SniFront {

    /** Reads a client's ClientHello: {@link #read(SocketChannel, ByteBuffer, Duration)}, or a test's stand-in. */
    interface HelloReader {
        /** @see SniFront#read(SocketChannel, ByteBuffer, Duration) */
        TlsPreread.Received read(SocketChannel client, ByteBuffer readBefore, Duration timeout) throws IOException;
    }

    /**
     * What {@link #route} found.
     *
     * @param group the group the client goes to
     * @param clientBytes the client's first bytes, its hello among them: to send upstream before the rest
     */
    record Routed(ServerGroup group, ByteBuffer clientBytes) {
    }

    private final Upstreams upstreams;
    private final HelloReader reader;

    SniFront(Upstreams upstreams) {
        this(upstreams, SniFront::read);
    }

    SniFront(Upstreams upstreams, HelloReader reader) {
        this.upstreams = upstreams;
        this.reader = reader;
    }

    /**
     * Reads the client's hello if clients are routed by name (on the calling thread, which parks
     * while it waits), notes its server name on the connection, and picks its group; without routes,
     * the default group, reading nothing.
     *
     * @param readBefore the client's bytes read already (past a PROXY header), where its hello begins
     * @return the group, and the client's bytes read so far
     * @throws TlsClientHelloException if the hello is malformed, incomplete, late or no TLS at all, or
     *     the connection fails before it is whole
     * @throws NoRouteException if no route takes the name, or the lack of one, and there is no default group
     * @throws IOException if reading fails for a reason of the forwarder's own, or the client was closed
     */
    Routed route(Connection connection, ByteBuffer readBefore) throws IOException {
        if (!upstreams.routesByServerName()) {
            return new Routed(upstreams.defaultGroup().orElseThrow(), readBefore);
        }
        SocketChannel client = connection.client();
        TlsPreread.Received received = OpeningRead.read(client, "TLS ClientHello",
                () -> reader.read(client, readBefore, upstreams.serverNameTimeout()), TlsClientHelloException::new);
        Optional<String> serverName = received.hello().serverName();
        serverName.ifPresent(connection::serverName);
        ServerGroup group = upstreams.route(serverName).orElseThrow(() -> new NoRouteException(serverName));
        return new Routed(group, received.bytes());
    }

    /**
     * Reads a hello as {@link TlsPreread#read(SocketChannel, Duration)} does, but starting from the
     * bytes a PROXY header's reader read past the header, which may hold some of the hello or all of it.
     *
     * @return the hello, and every byte read: {@code readBefore}'s, then the channel's
     */
    static TlsPreread.Received read(SocketChannel client, ByteBuffer readBefore, Duration timeout)
            throws IOException {
        TlsClientHelloParser parser = new TlsClientHelloParser();
        Optional<TlsClientHello> early = parser.feed(readBefore.duplicate());
        if (early.isPresent()) {
            return new TlsPreread.Received(early.get(), readBefore);
        }
        BlockingPreread.Result<TlsClientHello> rest = BlockingPreread.read(client, timeout, "TLS ClientHello",
                parser::feed, TlsClientHelloException::new);
        ByteBuffer after = rest.all();
        return new TlsPreread.Received(rest.value(), ByteBuffer.allocate(readBefore.remaining() + after.remaining())
                .put(readBefore.duplicate()).put(after).flip());
    }

    /** No route takes the server name a client asked for, or its lack of one, and there is no default group. */
    static final class NoRouteException extends IOException {

        private static final long serialVersionUID = 1L;

        NoRouteException(Optional<String> serverName) {
            super(serverName.map(name -> "no route for the TLS server name " + name).orElse("no TLS server name (SNI)")
                    + ", and no default group");
        }
    }
}
