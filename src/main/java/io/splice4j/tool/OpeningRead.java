package io.splice4j.tool;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.SocketChannel;

/**
 * A read of what a client must send before it is routed (a PROXY header, a TLS ClientHello), with
 * the blame put where it belongs: a connection that breaks before that is whole is the client's
 * doing, a rejection like a malformed one; other failures of the read are the forwarder's own (out
 * of fds, say).
 */
final class OpeningRead {

    /** The read itself. */
    interface Read<T> {
        /** @return what was read */
        T read() throws IOException;
    }

    /** Makes the parser's own exception, which the forwarder counts as the client's. */
    interface Rejection {
        /** @return the exception for a connection that failed with {@code cause} */
        IOException of(String message, SocketException cause);
    }

    private OpeningRead() {
    }

    /**
     * Runs {@code read}, turning a broken connection into {@code rejection}'s exception.
     *
     * @param what what is read, for the message: {@code PROXY header}
     */
    static <T> T read(SocketChannel client, String what, Read<T> read, Rejection rejection) throws IOException {
        try {
            return read.read();
        } catch (SocketException e) {
            if (!client.isOpen()) {
                throw e;
            }
            // The JDK reports a reset on a read as a SocketException ("Connection reset"). Out of fds
            // and other failures of this side are plain IOExceptions.
            throw rejection.of("the connection failed before a complete " + what + ": " + e, e);
        }
    }
}
