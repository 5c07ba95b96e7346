package io.splice4j.tool;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyProtocol;
import io.splice4j.ProxyProtocolException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The PROXY protocol at the start of a connection: reads the client's header with
 * {@code --accept-proxy}, and makes the {@code --send-proxy} header the relay sends upstream before
 * the client's own bytes.
 */
final class ProxyFront {

    /**
     * What {@link #open} found.
     *
     * @param header the header to send upstream first, possibly none
     * @param pastHeader what the client sent right after its header and was read with it: its first
     *     bytes, possibly none
     */
    record Opened(ByteBuffer header, ByteBuffer pastHeader) {

        /** The bytes to send upstream before the rest of the client's: the header, then {@code clientBytes}. */
        ByteBuffer upstreamFirst(ByteBuffer clientBytes) {
            return ByteBuffer.allocate(header.remaining() + clientBytes.remaining()).put(header.duplicate())
                    .put(clientBytes.duplicate()).flip();
        }
    }

    /** Reads a client's header: {@link ProxyProtocol#read(SocketChannel, Duration)}, or a test's stand-in. */
    interface HeaderReader {
        /** @see ProxyProtocol#read(SocketChannel, Duration) */
        ProxyProtocol.Received read(SocketChannel client, Duration timeout) throws IOException;
    }

    private final EdgeOptions edge;
    private final HeaderReader reader;

    ProxyFront(EdgeOptions edge) {
        this(edge, ProxyProtocol::read);
    }

    ProxyFront(EdgeOptions edge, HeaderReader reader) {
        this.edge = edge;
        this.reader = reader;
    }

    /**
     * Reads the client's header if one is expected (on the calling thread, which parks while it
     * waits) and names the connection after it; makes the header to send upstream if one is sent.
     *
     * @return the header to send and the bytes read past the client's, either possibly none
     * @throws ProxyProtocolException if the client's header is malformed, incomplete or late, or its
     *     connection fails before the header is whole
     * @throws IOException if reading fails for a reason of the forwarder's own (out of fds, say), or
     *     the client was closed
     */
    Opened open(Connection connection) throws IOException {
        ProxyHeader accepted = null;
        ByteBuffer pastHeader = ByteBuffer.allocate(0);
        if (edge.acceptProxy()) {
            ProxyProtocol.Received received = OpeningRead.read(connection.client(), "PROXY header",
                    () -> reader.read(connection.client(), edge.proxyTimeout()), ProxyProtocolException::new);
            accepted = received.header();
            pastHeader = received.pastHeader();
            connection.proxied(accepted);
        }
        if (edge.sendProxy().isEmpty()) {
            return new Opened(ByteBuffer.allocate(0), pastHeader);
        }
        ProxyHeader outgoing = outgoing(connection.client(), accepted);
        return new Opened(edge.sendProxy().get() == EdgeOptions.ProxyVersion.V1 ? outgoing.encodeV1()
                : outgoing.encodeV2(), pastHeader);
    }

    /**
     * The header to send upstream: the one accepted, if it describes a proxied connection, or else
     * the client connection's own addresses; {@code UNKNOWN} where they are no IP addresses.
     */
    static ProxyHeader outgoing(SocketChannel client, ProxyHeader accepted) throws IOException {
        if (accepted != null && accepted.command() == ProxyHeader.Command.PROXY) {
            // TLVs stay behind: they describe the hop before this one.
            return accepted.source().isPresent()
                    ? ProxyHeader.of(accepted.source().get(), accepted.destination().orElseThrow())
                    : ProxyHeader.unknown();
        }
        if (client.getRemoteAddress() instanceof InetSocketAddress remote
                && client.getLocalAddress() instanceof InetSocketAddress local) {
            return ProxyHeader.of(remote, local);
        }
        return ProxyHeader.unknown();
    }
}
