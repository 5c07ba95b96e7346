package io.splice4j;

import io.splice4j.internal.RelayHandle;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

/**
 * Two channels joined both ways: bytes from {@code a} go to {@code b} and from {@code b} to
 * {@code a} at the same time, each direction on the zero-copy path where it can. Made by
 * {@link Splice#relay(SocketChannel, SocketChannel, SpliceOptions)}, on two threads of its own or on
 * a {@link SpliceEngine}.
 *
 * <p>When one direction reaches end-of-stream, the relay shuts down output on the other channel
 * (the peer reads end-of-stream) and the other direction keeps running until it ends too. When both
 * have ended, or either fails, or {@link #close()} is called, the relay closes both channels: the
 * channels belong to the relay from the start (use {@link Splice#splice} directly to keep them).
 * {@link #completion()} then completes with what happened.
 */
public final class Relay implements AutoCloseable {

    private final RelayHandle handle;

    Relay(RelayHandle handle) {
        this.handle = handle;
    }

    /**
     * Returns the future of the relay's result. It completes normally, also when a direction failed
     * (see {@link RelayResult#failure()}), after both directions have stopped, both channels are
     * closed and every fd the relay opened is closed. On an engine it completes on the engine's
     * thread: don't block in its callbacks.
     *
     * @return the completion
     */
    public CompletableFuture<RelayResult> completion() {
        return handle.completion();
    }

    /**
     * Returns the bytes delivered from {@code a} to {@code b} so far.
     *
     * @return the live count
     */
    public long bytesAtoB() {
        return handle.bytesAtoB();
    }

    /**
     * Returns the bytes delivered from {@code b} to {@code a} so far.
     *
     * @return the live count
     */
    public long bytesBtoA() {
        return handle.bytesBtoA();
    }

    /**
     * Stops the relay: closes both channels and returns once both directions have stopped and every
     * fd the relay opened is closed, within about 50 ms on threads and at once on an engine.
     * Idempotent; a call after the relay ended returns at once.
     *
     * <p>In a completion callback, which runs on an engine's event-loop thread, it never waits for
     * another loop or thread (two loops waiting for each other would freeze both): a relay of the
     * same loop has ended when it returns, any other ends moments later, as its
     * {@link #completion()} tells.
     */
    @Override
    public void close() {
        handle.close(false);
    }

    /**
     * Stops the relay like {@link #close()}, but ends both connections with a reset (TCP RST)
     * rather than a FIN: their peers see an error, not an end of stream, so neither takes a stream
     * cut short for a whole one (a server draining its connections at shutdown, say). Unix-domain
     * sockets have no reset; their peers see the end of the stream. The result's end is
     * {@link RelayResult.End#CLOSED}.
     */
    public void abort() {
        handle.close(true);
    }
}
