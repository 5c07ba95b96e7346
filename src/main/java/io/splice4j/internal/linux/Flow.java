package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceException;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import io.splice4j.internal.Metrics;
import io.splice4j.linux.Errno;
import io.splice4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * One direction of an engine relay, as a state machine the event loop drives: source socket →
 * pooled pipe → target socket with non-blocking {@code splice(2)}, or through the loop's copy buffer
 * when splicing is off or the pipe pool is exhausted.
 *
 * <p>Readiness is remembered in two flags that only an {@code EAGAIN} clears and only an
 * edge-triggered event sets. Output already read always goes first (pipe, then leftover copy), so
 * a target that stops reading stops this flow from reading its source: back-pressure, with at most
 * one pipe or one chunk of leftover held.
 */
final class Flow implements Runnable {

    /** Chunks moved per turn before yielding to the loop's other work. */
    private static final int CHUNKS_PER_TURN = 16;

    private final EngineRelay relay;
    private final EventLoop loop;
    private final SocketChannel source;
    private final SocketChannel target;
    private final int chunkSize;
    private final int drainFlags;
    private final int pumpFlags;
    int sourceFd;
    int targetFd;
    boolean readable = true;
    boolean writable = true;
    private boolean splicing;
    private boolean everSpliced;
    private FallbackReason fallback;
    private Pipe pipe;
    private ByteBuffer leftover;
    private boolean endOfStream;
    private boolean done;
    private boolean queued;
    private volatile long delivered;

    Flow(EngineRelay relay, EventLoop loop, SocketChannel source, SocketChannel target, int chunkSize,
            boolean splice, FallbackReason fallback, boolean move, boolean more) {
        this.relay = relay;
        this.loop = loop;
        this.source = source;
        this.target = target;
        this.chunkSize = chunkSize;
        this.splicing = splice;
        this.fallback = fallback;
        int hints = move ? LibC.SPLICE_F_MOVE : 0;
        this.drainFlags = LibC.SPLICE_F_NONBLOCK | hints;
        this.pumpFlags = LibC.SPLICE_F_NONBLOCK | hints | (more ? LibC.SPLICE_F_MORE : 0);
    }

    boolean done() {
        return done;
    }

    long delivered() {
        return delivered;
    }

    SpliceResult result() {
        TransferPath path = splicing || everSpliced ? TransferPath.ZERO_COPY : TransferPath.PORTABLE;
        return new SpliceResult(delivered, path, Optional.ofNullable(fallback));
    }

    /** A queued turn. */
    @Override
    public void run() {
        queued = false;
        advance();
    }

    /** Moves what can be moved now; returns when it must wait for an event or has used its turn. */
    void advance() {
        if (done || relay.finished()) {
            return;
        }
        int chunks = CHUNKS_PER_TURN;
        try {
            for (;;) {
                if (pipe != null && pipe.buffered > 0) {
                    if (!writable) {
                        break;
                    }
                    pump();
                } else if (leftover != null) {
                    if (!writable) {
                        break;
                    }
                    writeLeftover();
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
                } else if (splicing && (pipe != null || (pipe = loop.pool.acquire()) != null)) {
                    drain();
                } else {
                    copy();
                }
            }
            // An idle flow holds no pipe.
            if (pipe != null && pipe.buffered == 0) {
                loop.pool.release(pipe);
                pipe = null;
            }
        } catch (IOException e) {
            relay.fail(e);
        }
    }

    /** Drain: source → pipe. The pipe is empty here, so EAGAIN means the socket has nothing now. */
    private void drain() throws IOException {
        long moved = LibC.splice(sourceFd, MemorySegment.NULL, pipe.writeFd, MemorySegment.NULL,
                Math.min(chunkSize, pipe.capacity), drainFlags);
        Metrics.spliceCall();
        if (moved > 0) {
            pipe.buffered = moved;
            everSpliced = true;
        } else if (moved == 0) {
            endOfStream = true;
        } else {
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                readable = false;
            } else if (errno == Errno.EINVAL && !everSpliced) {
                // This pair can't be spliced and nothing was consumed: copy from now on.
                splicing = false;
                fallback = FallbackReason.EINVAL;
                Metrics.fallback(FallbackReason.EINVAL);
            } else if (errno != Errno.EINTR) {
                throw failure("splice(fd " + sourceFd + " -> pipe)", errno);
            }
        }
    }

    /** Pump: pipe → target. EAGAIN means the target's buffer is full; a failure loses the pipe's bytes. */
    private void pump() throws IOException {
        long moved = LibC.splice(pipe.readFd, MemorySegment.NULL, targetFd, MemorySegment.NULL, pipe.buffered,
                pumpFlags);
        Metrics.spliceCall();
        if (moved > 0) {
            pipe.buffered -= moved;
            delivered += moved;
            Metrics.delivered(TransferPath.ZERO_COPY, moved);
            return;
        }
        int errno = moved == 0 ? 0 : LibC.errno();
        if (errno == Errno.EAGAIN) {
            writable = false;
        } else if (errno != Errno.EINTR) {
            long stranded = pipe.buffered;
            loop.pool.discard(pipe);
            pipe = null;
            throw moved == 0
                    ? new SpliceException("splice(pipe -> fd " + targetFd + ")",
                            "no progress with " + stranded + " bytes in the pipe", delivered)
                    : failure("splice(pipe -> fd " + targetFd + ")", errno);
        }
    }

    /** Copies one chunk through the loop's buffer; what the target can't take now is kept. */
    private void copy() throws IOException {
        if (splicing) {
            Metrics.fallback(FallbackReason.POOL_EXHAUSTED);
            if (fallback == null) {
                fallback = FallbackReason.POOL_EXHAUSTED;
            }
        }
        ByteBuffer buffer = loop.copyBuffer;
        buffer.clear().limit(Math.min(buffer.capacity(), chunkSize));
        int read;
        try {
            read = source.read(buffer);
        } catch (IOException e) {
            throw channelFailure("read(source)", e);
        }
        if (read < 0) {
            endOfStream = true;
            return;
        }
        if (read == 0) {
            readable = false;
            return;
        }
        buffer.flip();
        write(buffer, "write(target)");
        if (buffer.hasRemaining()) {
            leftover = ByteBuffer.allocate(buffer.remaining()).put(buffer).flip();
        }
    }

    private void writeLeftover() throws IOException {
        write(leftover, "write(target)");
        if (!leftover.hasRemaining()) {
            leftover = null;
        }
    }

    private void write(ByteBuffer buffer, String operation) throws IOException {
        int written;
        try {
            written = target.write(buffer);
        } catch (IOException e) {
            throw channelFailure(operation, e);
        }
        delivered += written;
        Metrics.delivered(TransferPath.PORTABLE, written);
        if (buffer.hasRemaining()) {
            writable = false;
        }
    }

    /** The source's end-of-stream is passed on; the other direction goes on (half-close). */
    private void finish() throws IOException {
        done = true;
        if (pipe != null) {
            loop.pool.release(pipe);
            pipe = null;
        }
        try {
            target.shutdownOutput();
        } catch (IOException e) {
            throw channelFailure("shutdownOutput(target)", e);
        }
        relay.flowDone();
    }

    /** Gives back or closes the pipe when the relay ends. */
    void release() {
        if (pipe != null) {
            loop.pool.release(pipe);
            pipe = null;
        }
        leftover = null;
    }

    private IOException failure(String operation, int errno) {
        if (!source.isOpen() || !target.isOpen()) {
            return new AsynchronousCloseException();
        }
        return new SpliceException(operation, Errno.name(errno), delivered);
    }

    private IOException channelFailure(String operation, IOException e) {
        if (e instanceof ClosedChannelException) {
            AsynchronousCloseException closed = new AsynchronousCloseException();
            closed.initCause(e);
            return closed;
        }
        return new SpliceException(operation, delivered, e);
    }
}
