package io.splice4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The baseline relay: what a proxy written with plain JDK NIO does. Two platform threads, one per
 * direction, each a blocking read/write loop through its own direct buffer; end-of-stream is passed
 * on with {@code shutdownOutput}; the first failure closes both channels; both are closed when both
 * directions have ended. The same structure as a thread-per-direction splice4j relay.
 */
final class NioRelay implements RelayKind.Joined {

    private final SocketChannel a;
    private final SocketChannel b;
    private final Thread forward;
    private final Thread backward;
    private final long[] moved = new long[2];
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    private NioRelay(SocketChannel a, SocketChannel b, int bufferSize) {
        this.a = a;
        this.b = b;
        forward = Thread.ofPlatform().daemon().name("bench-nio-relay-a>b").unstarted(() -> pass(a, b, 0, bufferSize));
        backward = Thread.ofPlatform().daemon().name("bench-nio-relay-b>a").unstarted(() -> pass(b, a, 1, bufferSize));
    }

    static NioRelay start(SocketChannel a, SocketChannel b, int bufferSize) {
        NioRelay relay = new NioRelay(a, b, bufferSize);
        relay.forward.start();
        relay.backward.start();
        return relay;
    }

    private void pass(SocketChannel source, SocketChannel target, int direction, int bufferSize) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize);
        try {
            for (;;) {
                buffer.clear();
                int n = source.read(buffer);
                if (n < 0) {
                    break;
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    target.write(buffer);
                }
                moved[direction] += n;
            }
            target.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
            closeBoth();
        }
    }

    private void closeBoth() {
        try (a; b) {
            // Both close, even if one fails.
        } catch (IOException ignored) {
            // Closing is all that is left to do.
        }
    }

    @Override
    public RelayKind.Bytes await(long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        forward.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        backward.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        if (forward.isAlive() || backward.isAlive()) {
            throw new IllegalStateException("NIO relay did not end within " + timeoutMillis + " ms");
        }
        closeBoth();
        if (failure.get() != null) {
            throw new IllegalStateException("NIO relay failed", failure.get());
        }
        // The joins order the threads' writes before these reads.
        return new RelayKind.Bytes(moved[0], moved[1]);
    }

    @Override
    public void close() {
        closeBoth();
        try {
            forward.join(10_000);
            backward.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
