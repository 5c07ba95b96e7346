package io.splice4j;

import io.splice4j.internal.Metrics;
import io.splice4j.internal.linux.NotSpliceableException;
import io.splice4j.internal.linux.ZeroCopyLoop;
import io.splice4j.internal.portable.PortableLoop;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction of bytes, source to target: picks the path, runs its loop, and keeps a live byte
 * count and the path in use where another thread (a {@link Relay}'s owner) can read them.
 */
final class Direction {

    private final SocketChannel source;
    private final SocketChannel target;
    private final SpliceOptions options;
    private final AtomicLong delivered = new AtomicLong();
    private volatile TransferPath path;
    private volatile FallbackReason fallback;

    Direction(SocketChannel source, SocketChannel target, SpliceOptions options) {
        this.source = source;
        this.target = target;
        this.options = options;
    }

    /** Runs to the source's end-of-stream; the channels are validated by the caller. */
    SpliceResult run() throws IOException {
        if (options.mode() != SpliceMode.PORTABLE) {
            try {
                path = TransferPath.ZERO_COPY;
                // Waits park on the shared engine's loops: a virtual thread must not sit in poll(2),
                // and a parked platform thread costs nothing while idle, unlike poll slices.
                ZeroCopyLoop.transfer(source, target, options.chunkSize(), options.moveHint(), options.moreHint(),
                        delivered::addAndGet, SpliceEngine.sharedCoreIfSupported());
                return result();
            } catch (NotSpliceableException e) {
                if (options.mode() == SpliceMode.ZERO_COPY) {
                    throw new ZeroCopyUnavailableException(e.reason(), "zero-copy unavailable: " + e.getMessage());
                }
                Metrics.fallback(e.reason());
                fallback = e.reason();
            }
        }
        path = TransferPath.PORTABLE;
        PortableLoop.transfer(source, target, options.chunkSize(), delivered::addAndGet);
        return result();
    }

    /** Bytes the target accepted so far. */
    long bytes() {
        return delivered.get();
    }

    /** What this direction did so far; the path is the one asked for if it hasn't started. */
    SpliceResult result() {
        TransferPath current = path;
        if (current == null) {
            current = options.mode() == SpliceMode.PORTABLE ? TransferPath.PORTABLE : TransferPath.ZERO_COPY;
        }
        return new SpliceResult(delivered.get(), current, Optional.ofNullable(fallback));
    }
}
