package io.splice4j.internal.linux;

import io.splice4j.SpliceMode;
import io.splice4j.internal.RelayHandle;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event loops behind a {@link io.splice4j.SpliceEngine}: relays are spread over them round
 * robin, and virtual threads waiting for readiness register with them.
 */
public final class EngineCore {

    private final EventLoop[] loops;
    private final FdAccess access;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    private EngineCore(EventLoop[] loops, FdAccess access) {
        this.loops = loops;
        this.access = access;
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
        EventLoop[] loops = new EventLoop[loopCount];
        try {
            for (int i = 0; i < loopCount; i++) {
                PipePool pool = new PipePool(Math.max(1, maxPipes / loopCount), Math.max(4096, maxPipeBytes / loopCount),
                        pipeSize);
                loops[i] = new EventLoop(name + "-" + i, pool, Math.min(pipeSize, 1 << 20));
            }
        } catch (IOException | RuntimeException e) {
            for (EventLoop loop : loops) {
                if (loop != null) {
                    loop.close();
                }
            }
            throw e;
        }
        return new EngineCore(loops, support.fdAccess().orElseThrow());
    }

    EventLoop nextLoop() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    /**
     * Starts a relay on the next loop. The channels must be open, connected and non-blocking; the
     * relay owns them from now on.
     *
     * @return its handle
     */
    public RelayHandle relay(SocketChannel a, SocketChannel b, int chunkSize, SpliceMode mode, boolean move,
            boolean more) {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        EventLoop loop = nextLoop();
        boolean splice = mode != SpliceMode.PORTABLE;
        // PORTABLE was asked for, so copying is no fallback: the result names no reason.
        EngineRelay relay = new EngineRelay(loop, access, a, b, chunkSize, splice, null, move, more);
        loop.execute(relay::start);
        return relay;
    }

    /** @return open pipes over all loops, read from their threads' last writes (for tests and stats) */
    public int openPipes() {
        int open = 0;
        for (EventLoop loop : loops) {
            open += loop.pool.openPipes();
        }
        return open;
    }

    /** @return pipe capacity open over all loops, in bytes */
    public long openPipeBytes() {
        long bytes = 0;
        for (EventLoop loop : loops) {
            bytes += loop.pool.openBytes();
        }
        return bytes;
    }

    /** @return how often the kernel granted a pipe less than the size asked for */
    public int pipeResizeRefusals() {
        int refusals = 0;
        for (EventLoop loop : loops) {
            refusals += loop.pool.resizeRefusals();
        }
        return refusals;
    }

    /** @return how many loops */
    public int loopCount() {
        return loops.length;
    }

    /** Stops every loop: their relays end with {@code AsynchronousCloseException}, their fds close. */
    public void close() {
        closed = true;
        for (EventLoop loop : loops) {
            loop.close();
        }
    }
}
