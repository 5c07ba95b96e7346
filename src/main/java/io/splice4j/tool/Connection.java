package io.splice4j.tool;

import io.splice4j.ProxyHeader;
import io.splice4j.Relay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;

/**
 * One client on its way through the forwarder: accepted, then connected upstream, then relayed.
 * Whatever it holds at the moment it is closed gets closed: the client, the upstream socket still
 * connecting (which aborts the connect), or the relay; with a reset if asked (a drain's end). What
 * is handed over after that (a socket that just opened, a relay that just started) is refused, so
 * the caller closes it the same way ({@link #endLate(Relay)}): nothing can start running after the
 * forwarder closed. It also keeps what the access log and the metrics report about it: when it was
 * accepted, from where, the upstream chosen, how it ended before a relay if it did.
 */
final class Connection {

    private final SocketChannel client;
    private final String acceptedAs;
    private final SocketAddress peer;
    private final long acceptedAtMillis = System.currentTimeMillis();
    private final long acceptedAtNanos = System.nanoTime();
    private volatile InetSocketAddress proxiedSource;
    private volatile SocketAddress chosenUpstream;
    private volatile String serverName;
    private SocketChannel upstream;
    private Relay relay;
    private boolean closed;
    private boolean reset;
    private ConnectionEnd endedBeforeRelay;

    Connection(SocketChannel client) {
        this(client, remote(client));
    }

    /** A client known as {@code clientAddress} in log lines. */
    Connection(SocketChannel client, String clientAddress) {
        this.client = client;
        this.acceptedAs = clientAddress;
        this.peer = peer(client);
    }

    SocketChannel client() {
        return client;
    }

    /** The upstream socket, once opened: connecting, or relayed. */
    synchronized SocketChannel upstream() {
        return upstream;
    }

    /**
     * The client's address, for log lines (read at accept: a closed channel no longer knows it), or
     * the source address of its PROXY header and, in brackets, the address it came from.
     */
    String clientAddress() {
        InetSocketAddress source = proxiedSource;
        return source == null ? acceptedAs : source + " (via " + acceptedAs + ")";
    }

    /** The client as accepted, for log lines: its address, or a Unix socket's path and a number. */
    String acceptedAs() {
        return acceptedAs;
    }

    /** The address the client connected from, as accepted; {@code null} if it was gone already. */
    SocketAddress peer() {
        return peer;
    }

    /** Names the client after the source address of its PROXY header, if the header has one. */
    void proxied(ProxyHeader header) {
        header.source().ifPresent(source -> proxiedSource = source);
    }

    /** The source address of the client's PROXY header, or {@code null} if none was accepted. */
    InetSocketAddress proxiedSource() {
        return proxiedSource;
    }

    /** When the client was accepted: wall-clock milliseconds, for the access log. */
    long acceptedAtMillis() {
        return acceptedAtMillis;
    }

    /** When the client was accepted: {@link System#nanoTime()}, for durations. */
    long acceptedAtNanos() {
        return acceptedAtNanos;
    }

    /** Notes the upstream server this client is sent to, before connecting to it. */
    void chosenUpstream(SocketAddress server) {
        chosenUpstream = server;
    }

    /** The upstream server chosen, or {@code null} if the connection ended before one was. */
    SocketAddress chosenUpstream() {
        return chosenUpstream;
    }

    /** Notes the server name (SNI) the client asked for in its TLS ClientHello. */
    void serverName(String name) {
        serverName = name;
    }

    /** The server name (SNI) the client asked for, or {@code null} if none is known. */
    String serverName() {
        return serverName;
    }

    /** Notes how the connection ended before a relay started (a rejected header, a failed connect). */
    synchronized void endedBeforeRelay(ConnectionEnd end) {
        endedBeforeRelay = end;
    }

    /** How the connection ended before a relay started, or {@code null} if it did not end so. */
    synchronized ConnectionEnd endedBeforeRelay() {
        return endedBeforeRelay;
    }

    /** Whether the forwarder closed it with a reset (at a drain's end). */
    synchronized boolean wasReset() {
        return reset;
    }

    /**
     * Hands over the upstream socket before it connects.
     *
     * @return {@code false} if the connection is closed: the caller closes the socket
     */
    synchronized boolean upstream(SocketChannel channel) {
        upstream = channel;
        return !closed;
    }

    /**
     * Hands over the running relay, which now owns both sockets.
     *
     * @return {@code false} if the connection is closed: the caller ends the relay with {@link #endLate}
     */
    synchronized boolean relay(Relay running) {
        relay = running;
        return !closed;
    }

    /** Ends a relay handed over after the connection was closed, as the close asked: reset or not. */
    void endLate(Relay late) {
        boolean abort;
        synchronized (this) {
            abort = reset;
        }
        if (abort) {
            late.abort();
        } else {
            late.close();
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Closes what the connection holds now; idempotent. A relay's close returns once it has ended. */
    void close() {
        close(false);
    }

    /**
     * Closes what the connection holds now, with a reset (RST) to the client and the upstream if
     * {@code reset}; idempotent. A relay's close returns once it has ended.
     *
     * @return {@code false} if it was closed already
     */
    boolean close(boolean reset) {
        Relay running;
        SocketChannel connecting;
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            this.reset = reset;
            running = relay;
            connecting = upstream;
        }
        if (running != null) {
            if (reset) {
                running.abort();
            } else {
                running.close();
            }
        } else {
            if (reset) {
                resetOnClose(client);
            }
            closeQuietly(client);
            closeQuietly(connecting);
        }
        return true;
    }

    /** Makes the socket's close send a reset: a client cut off at a drain's end must not see a clean end. */
    private static void resetOnClose(SocketChannel channel) {
        try {
            if (channel.supportedOptions().contains(java.net.StandardSocketOptions.SO_LINGER)) {
                channel.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException | RuntimeException closedMeanwhile) {
            // Its close ends it either way.
        }
    }

    /** Closes a socket whose failure is reported elsewhere, if there is one. */
    static void closeQuietly(SocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket we are giving up on: the failure that led here is what matters.
        }
    }

    private static SocketAddress peer(SocketChannel channel) {
        try {
            return channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    static String remote(SocketChannel channel) {
        SocketAddress remote = peer(channel);
        return remote == null ? "(closed)" : Endpoints.text(remote);
    }
}
