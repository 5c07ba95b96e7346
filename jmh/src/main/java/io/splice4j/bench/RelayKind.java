package io.splice4j.bench;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.TransferPath;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The relays of {@link StreamingRelaysBenchmark}, in table order: one row each; the first is the
 * baseline. Each joins two sockets both ways, passes
 * end-of-stream on, and closes both when both directions have ended.
 */
public enum RelayKind {

    NIO_THREADS("JDK NIO loops, thread per direction, 64 KiB direct buffers") {
        @Override
        Joined join(SocketChannel a, SocketChannel b, SpliceEngine engine) {
            return NioRelay.start(a, b, 64 << 10);
        }
    },
    PORTABLE_THREADS("splice4j relay, PORTABLE, thread per direction") {
        @Override
        Joined join(SocketChannel a, SocketChannel b, SpliceEngine engine) throws IOException {
            return splice4j(Splice.relay(a, b, SpliceOptions.defaults().withMode(SpliceMode.PORTABLE)),
                    TransferPath.PORTABLE);
        }
    },
    ZERO_COPY_THREADS("splice4j relay, ZERO_COPY, thread per direction") {
        @Override
        Joined join(SocketChannel a, SocketChannel b, SpliceEngine engine) throws IOException {
            return splice4j(Splice.relay(a, b, SpliceOptions.defaults().withMode(SpliceMode.ZERO_COPY)),
                    TransferPath.ZERO_COPY);
        }
    },
    ENGINE("splice4j relay on a SpliceEngine (loops = cores)") {
        @Override
        boolean needsEngine() {
            return true;
        }

        @Override
        Joined join(SocketChannel a, SocketChannel b, SpliceEngine engine) throws IOException {
            return splice4j(Splice.relay(a, b, SpliceOptions.builder().mode(SpliceMode.ZERO_COPY).engine(engine)
                    .build()), TransferPath.ZERO_COPY);
        }
    };

    private final String label;

    RelayKind(String label) {
        this.label = label;
    }

    /** What the results tables call this row. */
    public String label() {
        return label;
    }

    boolean needsEngine() {
        return false;
    }

    /** Starts a relay between {@code a} and {@code b}, which it then owns. */
    abstract Joined join(SocketChannel a, SocketChannel b, SpliceEngine engine) throws IOException;

    /**
     * ZERO_COPY, not AUTO, for the zero-copy rows: a relay that can't splice fails instead of posting
     * a copy loop's figure. (An engine still copies a chunk when its pipe pool is exhausted; the
     * table shows the share of bytes spliced.)
     */
    private static Joined splice4j(Relay relay, TransferPath expected) {
        return new Joined() {
            @Override
            public Bytes await(long timeoutMillis) throws Exception {
                RelayResult result = relay.completion().get(timeoutMillis, TimeUnit.MILLISECONDS);
                if (!result.completed() || result.aToB().path() != expected || result.bToA().path() != expected) {
                    throw new IllegalStateException("relay ended with " + result + ", expected both directions to"
                            + " complete on " + expected);
                }
                return new Bytes(result.aToB().bytes(), result.bToA().bytes());
            }

            @Override
            public void close() {
                relay.close();
            }
        };
    }

    /** A running relay, as the benchmarks see it. */
    interface Joined extends AutoCloseable {

        /** Waits until both directions have ended cleanly and both channels are closed; fails otherwise. */
        Bytes await(long timeoutMillis) throws Exception;

        /** Stops the relay at once and returns when its threads have ended; idempotent. */
        @Override
        void close();
    }

    /** Bytes delivered each way. */
    record Bytes(long aToB, long bToA) {
    }
}
