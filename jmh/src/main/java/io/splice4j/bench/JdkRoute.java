package io.splice4j.bench;

import io.splice4j.support.Loopback;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A route whose source and target are plain blocking JDK socket channels and whose loop runs on the
 * benchmark thread: the NIO loops and splice4j.
 */
final class JdkRoute implements Route {

    /** The loop under test. */
    @FunctionalInterface
    interface Mover {
        long move(SocketChannel source, SocketChannel target) throws IOException;
    }

    private final Loopback loopback;
    private final Mover mover;

    JdkRoute(Loopback loopback, Mover mover) {
        this.loopback = loopback;
        this.mover = mover;
    }

    @Override
    public Transfer prepare(int length) throws IOException {
        Loopback.Pair in = loopback.pair();
        try {
            return new JdkTransfer(in, loopback.pair());
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public void close() {
        // The loopback listener belongs to the benchmark.
    }

    /** sender → in.far ⇢ in.near (source) ⇒ out.near (target) ⇢ out.far → drain. */
    private final class JdkTransfer implements Transfer {

        private final Loopback.Pair in;
        private final Loopback.Pair out;

        JdkTransfer(Loopback.Pair in, Loopback.Pair out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public SocketChannel senderEnd() {
            return in.far();
        }

        @Override
        public SocketChannel readerEnd() {
            return out.far();
        }

        @Override
        public long run() throws IOException {
            long moved = mover.move(in.near(), out.near());
            out.near().shutdownOutput();
            return moved;
        }

        @Override
        public void close() throws IOException {
            try (in; out) {
                // Both pairs close, even if one fails.
            }
        }
    }
}
