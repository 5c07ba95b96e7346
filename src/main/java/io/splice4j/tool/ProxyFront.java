package io.splice4j.tool;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyProtocol;
import io.splice4j.ProxyProtocolException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The PROXY protocol at the start of a connection: reads the client's header with
 * {@code --accept-proxy}, and makes the bytes the relay sends upstream before the client's own: the
 * {@code --send-proxy} header, then whatever the client sent right after its header.
 */
final class ProxyFront {

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

    /** Whether {@link #open} has anything to do. */
    boolean active() {
        return edge.acceptProxy() || edge.sendProxy().isPresent();
    }

    /**
     * Reads the client's header if one is expected (on the calling thread, which parks while it
     * waits) and names the connection after it.
     *
     * @return the bytes to send upstream first, possibly none
     * @throws ProxyProtocolException if the client's header is malformed, incomplete or late, or its
     *     connection fails before the header is whole
     * @throws IOException if reading fails for a reason of the forwarder's own (out of fds, say), or
     *     the client was closed
     */
    ByteBuffer open(Connection connection) throws IOException {
        ProxyHeader accepted = null;
        ByteBuffer pastHeader = ByteBuffer.allocate(0);
        if (edge.acceptProxy()) {
            ProxyProtocol.Received received = read(connection.client());
            accepted = received.header();
            pastHeader = received.pastHeader();
            connection.proxied(accepted);
        }
        if (edge.sendProxy().isEmpty()) {
            return pastHeader;
        }
        ProxyHeader outgoing = outgoing(connection.client(), accepted);
        ByteBuffer header = edge.sendProxy().get() == EdgeOptions.ProxyVersion.V1 ? outgoing.encodeV1()
                : outgoing.encodeV2();
        return ByteBuffer.allocate(header.remaining() + pastHeader.remaining()).put(header).put(pastHeader).flip();
    }

    private ProxyProtocol.Received read(SocketChannel client) throws IOException {
        try {
            return reader.read(client, edge.proxyTimeout());
        } catch (SocketException e) {
            if (!client.isOpen()) {
                throw e;
            }
            // The JDK reports a reset on a read as a SocketException ("Connection reset"): a header
            // cut short so is incomplete, the client's doing. Other failures, out of fds among them,
            // are plain IOExceptions and the forwarder's own.
            throw new ProxyProtocolException("the connection failed before a complete PROXY header: " + e, e);
        }
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
