package io.splice4j.internal.jfr;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * A transfer's ends for its event: {@link #of} runs when an enabled event begins and only reads the
 * address a socket already holds; {@link #text} formats it only for an event that is written.
 */
final class Endpoints {

    private Endpoints() {
    }

    /**
     * Returns a socket's peer address (or its local one, unconnected), or a text: {@code "file"} for a
     * file (its path is not cheap to find), {@code "closed"} for a socket closed already.
     */
    static Object of(Channel channel) {
        if (channel instanceof SocketChannel socket) {
            try {
                SocketAddress remote = socket.getRemoteAddress();
                return remote != null ? remote : socket.getLocalAddress();
            } catch (IOException e) {
                return "closed";
            }
        }
        if (channel instanceof FileChannel) {
            return "file";
        }
        return channel == null ? "unknown" : channel.getClass().getName();
    }

    /** {@code 127.0.0.1:80}, {@code [::1]:80}: no leading slash, no name lookup. */
    static String text(Object address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
