package io.splice4j.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * Timed reads of a Unix-domain channel, which has no read timeout of its own, for one header: the
 * channel is read non-blocking and, when it has nothing, the reading thread parks (a virtual
 * thread unmounts) until the {@link SharedReadSelector} reports it readable, its check finds it
 * closed, the time is up or the thread is interrupted. It costs no fd: the channel is registered
 * with the shared selector on its first wait, and only if it has to wait.
 *
 * <p>{@link #close()} makes the channel blocking again, and first waits until the selector has
 * deregistered it. The JDK would switch a channel whose key is cancelled but not yet flushed, but
 * a channel still registered defers its close until the flush: the caller's close must be a real
 * one at once.
 */
final class UnixTimedRead implements BlockingPreread.TimedRead, DueChecks.Item, AutoCloseable {

    private final SocketChannel channel;
    private final Thread reader = Thread.currentThread();
    private SharedReadSelector selector;
    private SelectionKey key;
    private volatile boolean readable;
    private volatile boolean deregistered;

    private UnixTimedRead(SocketChannel channel) {
        this.channel = channel;
    }

    /**
     * Switches {@code channel} to non-blocking mode for reads by the calling thread.
     *
     * @param channel a connected Unix-domain channel in blocking mode
     * @return its reads; close them to make it blocking again
     * @throws IOException if the mode can't be changed (the channel is closed)
     */
    static UnixTimedRead open(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        return new UnixTimedRead(channel);
    }

    @Override
    public int read(ByteBuffer into, long leftNanos) throws IOException {
        int n = readNow(into);
        if (n != 0) {
            return n;
        }
        await(System.nanoTime() + leftNanos);
        return readNow(into);
    }

    private int readNow(ByteBuffer into) throws IOException {
        try {
            return channel.read(into);
        } catch (AsynchronousCloseException e) {
            throw e;
        } catch (ClosedChannelException e) {
            // Open when the read began: another thread has closed it since.
            throw new AsynchronousCloseException();
        }
    }

    /** Parks until the channel may be readable or the deadline passes; ends as a blocking read would. */
    private void await(long deadlineNanos) throws IOException {
        readable = false;
        arm();
        for (;;) {
            if (Thread.currentThread().isInterrupted()) {
                // As a blocking read would: the channel is closed, the interrupt status kept.
                channel.close();
                throw new ClosedByInterruptException();
            }
            if (!channel.isOpen()) {
                throw new AsynchronousCloseException();
            }
            long left = deadlineNanos - System.nanoTime();
            if (readable || left <= 0) {
                return;
            }
            LockSupport.parkNanos(this, left);
        }
    }

    private void arm() throws IOException {
        try {
            if (key == null) {
                selector = SharedReadSelector.get();
                key = selector.register(channel, this);
            } else {
                selector.rearm(key);
            }
        } catch (ClosedChannelException | CancelledKeyException e) {
            throw new AsynchronousCloseException();
        }
    }

    /** The key, once registered; for the selector's thread. */
    SelectionKey key() {
        return key;
    }

    /** Called by the selector's thread when the channel is readable. */
    void readable() {
        readable = true;
        LockSupport.unpark(reader);
    }

    /** Called by the selector's thread once the cancelled key is flushed. */
    void deregistered() {
        deregistered = true;
        LockSupport.unpark(reader);
    }

    /** Wakes the reader if its channel was closed: a close wakes no selector. */
    @Override
    public long check(long nowNanos) {
        if (!channel.isOpen()) {
            LockSupport.unpark(reader);
        }
        return DueChecks.TICK_NANOS;
    }

    /**
     * Deregisters the channel, waiting for the selector to flush its key, and makes it blocking
     * again if it is still open.
     *
     * @throws IOException if the mode can't be changed
     */
    @Override
    public void close() throws IOException {
        if (key != null) {
            selector.release(this);
            // Not interruptible: the channel must leave the selector whatever happens. The wait is
            // one selection, which the release has woken.
            boolean interrupted = false;
            while (!deregistered) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                reader.interrupt();
            }
        }
        try {
            if (channel.isOpen()) {
                channel.configureBlocking(true);
            }
        } catch (ClosedChannelException e) {
            // Closed meanwhile: there is no mode left to restore.
        }
    }
}
