package io.splice4j.internal.linux;

import io.splice4j.SpliceOptions;
import io.splice4j.internal.EngineStats;
import io.splice4j.internal.Engines;
import io.splice4j.internal.RelayHandle;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;

/**
 * The event loops behind a {@link io.splice4j.SpliceEngine}: relays are spread over them round
 * robin, and virtual threads waiting for readiness register with them.
 */
public final class EngineCore implements EngineStats {

    /** Default capacity asked of each pooled pipe. */
    public static final int DEFAULT_PIPE_SIZE = 256 * 1024;
    /** Default cap on pipes open at once, over all loops. */
    public static final int DEFAULT_MAX_PIPES = 1024;
    /** Default cap on pipe capacity open at once: an unprivileged user's {@code pipe-user-pages-soft}. */
    public static final long DEFAULT_MAX_PIPE_BYTES = 64L << 20;

    private final EventLoop[] loops;
    private final FdAccess access;
    private final int maxPipes;
    private final long maxPipeBytes;
    private final int pipeSize;
    private final String name;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    private EngineCore(EventLoop[] loops, FdAccess access, int maxPipes, long maxPipeBytes, int pipeSize,
            String name) {
        this.loops = loops;
        this.access = access;
        this.maxPipes = maxPipes;
        this.maxPipeBytes = maxPipeBytes;
        this.pipeSize = pipeSize;
        this.name = name;
    }

    /**
     * Starts the loops.
     *
     * @param loopCount number of event-loop threads
     * @param maxPipes the most pipes open at once, over all loops
     * @param maxPipeBytes the most pipe capacity at once, over all loops
     * @param pipeSize the capacity asked of each pipe
     * @param name thread name prefix
     * @return the running engine
     * @throws IOException if a loop can't start
     * @throws UnsupportedOperationException if this JVM can't splice
     */
    public static EngineCore start(int loopCount, int maxPipes, long maxPipeBytes, int pipeSize, String name)
            throws IOException {
        ZeroCopySupport support = ZeroCopySupport.status();
        if (!support.available()) {
            throw new UnsupportedOperationException("the engine needs zero-copy support: "
                    + support.message().orElse("unavailable"));
        }
        EngineCore core = new EngineCore(new EventLoop[loopCount], support.fdAccess().orElseThrow(), maxPipes,
                maxPipeBytes, pipeSize, name);
        try {
            for (int i = 0; i < loopCount; i++) {
                core.loops[i] = core.newLoop(i);
            }
        } catch (IOException | RuntimeException e) {
            core.close();
            throw e;
        }
        Engines.started(core);
        return core;
    }

    private EventLoop newLoop(int index) throws IOException {
        PipePool pool = new PipePool(Math.max(1, maxPipes / loops.length), Math.max(4096, maxPipeBytes / loops.length),
                pipeSize);
        return new EventLoop(name + "-" + index, pool, Math.min(pipeSize, 1 << 20));
    }

    /**
     * Returns the next loop, round robin. A loop whose thread died (a bug, or an {@code Error}) is
     * replaced here, so that later transfers don't fail on open channels; its own relays ended when
     * it died.
     */
    EventLoop loop() throws IOException {
        int index = Math.floorMod(next.getAndIncrement(), loops.length);
        EventLoop loop = loops[index];
        if (!loop.isClosing() || closed) {
            return loop;
        }
        synchronized (this) {
            if (loops[index] == loop && !closed) {
                loops[index] = newLoop(index);
            }
            return loops[index];
        }
    }

    /**
     * Starts a relay on the next loop; it owns the channels from now on. The fds are found here, on
     * the caller's thread.
     *
     * @param a one channel, open, connected and blocking
     * @param b the other channel
     * @param options chunk size, mode, hints and idle timeout
     * @return its handle
     * @throws NotSpliceableException if the engine can't run this pair (not the JDK's channels, no
     *     fd); the channels are unchanged
     * @throws IOException if a channel can't be registered
     * @throws IllegalStateException if the engine is closed
     */
    public RelayHandle relay(SocketChannel a, SocketChannel b, SpliceOptions options)
            throws IOException, NotSpliceableException {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        if (!FdAccess.isJdkSocketChannel(a) || !FdAccess.isJdkSocketChannel(b)) {
            throw new NotSpliceableException(io.splice4j.FallbackReason.UNSUPPORTED_CHANNEL,
                    "a channel is not the JDK's own socket channel: " + a.getClass().getName() + ", "
                            + b.getClass().getName());
        }
        return EngineRelay.start(loop(), access, a, b, options);
    }

    @Override
    public String name() {
        return name;
    }

    /** @return relays started on this engine that have not ended yet */
    @Override
    public int relays() {
        return (int) sum(loop -> loop.relays.get());
    }

    /** @return how often a relay direction found its loop's pool exhausted */
    @Override
    public long poolExhaustions() {
        return sum(loop -> loop.pool.exhaustions());
    }

    /** @return open pipes over all loops, read from their threads' last writes (for tests and stats) */
    @Override
    public int openPipes() {
        return (int) sum(loop -> loop.pool.openPipes());
    }

    /** @return pipe capacity open over all loops, in bytes */
    @Override
    public long openPipeBytes() {
        return sum(loop -> loop.pool.openBytes());
    }

    /** @return how often the kernel granted a pipe less than the size asked for */
    @Override
    public int pipeResizeRefusals() {
        return (int) sum(loop -> loop.pool.resizeRefusals());
    }

    /** Adds up a figure over the loops, as their threads last wrote it. */
    private long sum(ToLongFunction<EventLoop> figure) {
        long sum = 0;
        for (EventLoop loop : loops) {
            sum += loop == null ? 0 : figure.applyAsLong(loop);
        }
        return sum;
    }

    /** @return how many loops */
    @Override
    public int loopCount() {
        return loops.length;
    }

    /** Stops every loop: their relays end with {@code AsynchronousCloseException}, their fds close. */
    public void close() {
        EventLoop[] current;
        synchronized (this) {
            closed = true;
            current = loops.clone();
        }
        Engines.closed(this);
        for (EventLoop loop : current) {
            if (loop != null) {
                loop.close();
            }
        }
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }
}
