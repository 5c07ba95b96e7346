package io.splice4j.internal;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;

/**
 * Gives a transfer loop the JDK's cancellation semantics for both of its channels (sockets, or a
 * file and a socket): an interrupt closes them and ends the loop with
 * {@link ClosedByInterruptException}; a close from another thread ends it with
 * {@link AsynchronousCloseException}.
 */
public final class ChannelGuard {

    private final Channel source;
    private final Channel target;

    /**
     * Guards a transfer.
     *
     * @param source the source channel
     * @param target the target channel
     */
    public ChannelGuard(Channel source, Channel target) {
        this.source = source;
        this.target = target;
    }

    /**
     * Throws if the calling thread was interrupted or either channel was closed.
     *
     * @throws ClosedByInterruptException if the thread is interrupted; both channels are then closed
     *     and the interrupt status stays set
     * @throws AsynchronousCloseException if either channel was closed
     */
    public void check() throws AsynchronousCloseException {
        if (Thread.currentThread().isInterrupted()) {
            throw interrupted();
        }
        if (!source.isOpen() || !target.isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    /**
     * Closes both channels after an interrupt, as the JDK closes the channel an interrupted thread
     * was blocked on: a transfer stopped halfway leaves neither stream in a usable state.
     *
     * @return the exception to throw
     */
    public ClosedByInterruptException interrupted() {
        closeQuietly(source);
        closeQuietly(target);
        return new ClosedByInterruptException();
    }

    /**
     * Closes a channel whose owner is ending anyway: what went wrong is reported elsewhere, and a
     * failing close has nothing to add.
     *
     * @param channel the channel
     */
    public static void closeQuietly(Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // See above: closing is all that's wanted.
        }
    }
}
