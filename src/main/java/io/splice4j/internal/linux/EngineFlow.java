package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceException;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.internal.ChannelGuard;
import io.splice4j.internal.FallbackRule;
import io.splice4j.internal.TransferRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

/**
 * One direction of an engine relay, the counterpart of {@link BlockingSplice} on a caller's thread:
 * a state machine the event loop drives through the same {@link Splicer} steps, source socket →
 * pooled pipe → target socket, or through the loop's copy buffer when splicing is off or the pipe
 * pool is exhausted.
 *
 * <p>Readiness is remembered in two flags that only {@link Splicer#NOT_READY} (or a full target)
 * clears and only an edge-triggered event sets. Output already read always goes first (the pipe,
 * and before anything the caller's first bytes), and a copy takes from the source only what its
 * target took, so a target that stops reading stops this flow from reading its source:
 * back-pressure, with at most one pipe held and no buffer (docs/design.md, "The pipe pool").
 */
final class EngineFlow implements Runnable {

    /** Chunks moved per turn before yielding to the loop's other work. */
    private static final int CHUNKS_PER_TURN = 16;

    private final EngineRelay relay;
    private final EventLoop loop;
    private final SocketChannel source;
    private final SocketChannel target;
    private final int chunkSize;
    private final SpliceMode mode;
    private final SpliceOptions options;
    final TransferRecord record;
    private Splicer splicer;
    boolean readable = true;
    boolean writable = true;
    private boolean splicing;
    /** The caller's first bytes not written yet, or {@code null}. */
    private ByteBuffer firstBytes;
    private boolean endOfStream;
    private boolean done;
    private boolean queued;

    EngineFlow(EngineRelay relay, EventLoop loop, SocketChannel source, SocketChannel target, SpliceOptions options,
            ByteBuffer firstBytes, TransferRecord record) {
        this.relay = relay;
        this.loop = loop;
        this.source = source;
        this.target = target;
        this.options = options;
        this.chunkSize = options.chunkSize();
        this.mode = options.mode();
        this.splicing = mode != SpliceMode.PORTABLE;
        this.record = record;
        if (firstBytes.hasRemaining()) {
            // Sent before anything is read, like output already read: it goes first.
            this.firstBytes = firstBytes;
        }
    }

    /** Binds the flow to the sockets' fds, which the relay holds registered. */
    void bind(int sourceFd, int targetFd) {
        splicer = new Splicer(sourceFd, targetFd, java.lang.foreign.MemorySegment.NULL, options.moveHint(),
                options.moreHint(), new ChannelGuard(source, target), record);
    }

    boolean done() {
        return done;
    }

    /** A queued turn. */
    @Override
    public void run() {
        queued = false;
        advance();
        relay.syncInterest();
    }

    /** Moves what can be moved now; returns when it must wait for an event or has used its turn. */
    void advance() {
        if (done || relay.finished()) {
            return;
        }
        int chunks = CHUNKS_PER_TURN;
        try {
            for (;;) {
                if (splicer.pending()) {
                    if (!writable) {
                        break;
                    }
                    writable = splicer.pump() != Splicer.NOT_READY;
                } else if (firstBytes != null) {
                    if (!writable) {
                        break;
                    }
                    writeFirstBytes();
                } else if (endOfStream) {
                    finish();
                    return;
                } else if (!readable) {
                    break;
                } else if (chunks-- == 0) {
                    if (!queued) {
                        queued = true;
                        loop.again(this);
                    }
                    break;
                } else if (splicing && (splicer.pipe != null || (splicer.pipe = loop.pool.acquire()) != null)) {
                    drain();
                } else if (!writable) {
                    // No pipe to drain into: copying writes at once, so it waits for its target.
                    break;
                } else {
                    if (splicing) {
                        FallbackRule.copyOrFail(mode, FallbackReason.POOL_EXHAUSTED,
                                "the engine's pipe pool is exhausted", record);
                    }
                    copy();
                }
            }
            releaseIdlePipe();
        } catch (IOException e) {
            relay.fail(this, e);
        }
    }

    private void drain() throws IOException {
        long step = splicer.drain(chunkSize);
        if (step == Splicer.NOT_READY) {
            readable = false;
        } else if (step == Splicer.EOF) {
            endOfStream = true;
        } else if (step == Splicer.NOT_SPLICEABLE) {
            FallbackRule.copyOrFail(mode, FallbackReason.EINVAL, "splice(fd " + splicer.sourceFd + " -> pipe): EINVAL",
                    record);
            splicing = false;
        }
    }

    /** An idle flow holds no pipe. */
    private void releaseIdlePipe() {
        if (splicer.pipe != null && !splicer.pending()) {
            loop.pool.release(splicer.pipe);
            splicer.pipe = null;
        }
    }

    /**
     * Copies one chunk through the loop's buffer, taking from the source only what the target took
     * ({@link Splicer#copy}): a flow that copies holds no bytes between turns.
     */
    private void copy() throws IOException {
        long step = splicer.copy(loop.copyBuffer, chunkSize);
        if (step == Splicer.NOT_READY) {
            readable = false;
        } else if (step == Splicer.EOF) {
            endOfStream = true;
        } else if (splicer.targetFull) {
            writable = false;
        }
    }

    private void writeFirstBytes() throws IOException {
        int written;
        try {
            written = target.write(firstBytes);
        } catch (IOException e) {
            throw channelFailure("write(target)", e, SpliceException.Side.TARGET);
        }
        record.deliveredFirst(written);
        if (firstBytes.hasRemaining()) {
            writable = false;
        } else {
            firstBytes = null;
        }
    }

    /** The source's end-of-stream is passed on; the other direction goes on (half-close). */
    private void finish() throws IOException {
        done = true;
        releaseIdlePipe();
        try {
            target.shutdownOutput();
        } catch (IOException e) {
            throw channelFailure("shutdownOutput(target)", e, SpliceException.Side.TARGET);
        }
        relay.flowDone();
    }

    /** Gives back the pipe when the relay ends: pooled if empty, closed if it still holds bytes. */
    void release() {
        if (splicer != null && splicer.pipe != null) {
            loop.pool.release(splicer.pipe);
            splicer.pipe = null;
        }
        firstBytes = null;
    }

    private IOException channelFailure(String operation, IOException e, SpliceException.Side side) {
        if (e instanceof ClosedChannelException) {
            AsynchronousCloseException closed = new AsynchronousCloseException();
            closed.initCause(e);
            return closed;
        }
        return new SpliceException(operation, record.bytes(), e, side);
    }
}
