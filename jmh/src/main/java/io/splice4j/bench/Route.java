package io.splice4j.bench;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * One way of moving bytes from a source socket to a target socket: one row of the results table.
 * The sender writes into {@link Transfer#senderEnd()}, the route moves the bytes across, the drain
 * reads {@link Transfer#readerEnd()}.
 */
interface Route extends AutoCloseable {

    /** Connects fresh sockets for one transfer of {@code length} bytes; not measured. */
    Transfer prepare(int length) throws IOException;

    @Override
    void close() throws Exception;

    /** One prepared transfer over its own connections. */
    interface Transfer extends AutoCloseable {

        /** Where the sender writes; the route's source is this connection's other end. */
        SocketChannel senderEnd();

        /** What the drain reads; the route's target is this connection's other end. */
        SocketChannel readerEnd();

        /**
         * Moves every byte until the source's end-of-stream, then shuts the target's output so the
         * reader sees end-of-stream too.
         *
         * @return bytes the route says it delivered
         */
        long run() throws Exception;

        @Override
        void close() throws Exception;
    }
}
