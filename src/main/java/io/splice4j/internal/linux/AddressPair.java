package io.splice4j.internal.linux;

import java.net.InetSocketAddress;

/**
 * A connected TCP socket's local and peer addresses: unique among the connected sockets of a
 * network namespace, so they name one socket.
 *
 * @param local the socket's own address
 * @param remote its peer's address
 */
record AddressPair(InetSocketAddress local, InetSocketAddress remote) {

    @Override
    public String toString() {
        return local + " -> " + remote;
    }
}
