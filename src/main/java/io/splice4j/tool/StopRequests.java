package io.splice4j.tool;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What ends a running forwarder: a stop signal (SIGTERM or SIGINT), whose second arrival cuts the
 * drain short, or a failure that stops it serving reliably, which makes the exit status 1.
 */
final class StopRequests {

    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicInteger signals = new AtomicInteger();
    private volatile Runnable onSecondSignal = () -> { };
    private volatile Throwable failure;

    /** A stop signal arrived: the first asks for a drain, any later one for its end now. */
    void signal() {
        if (signals.incrementAndGet() == 1) {
            requested.countDown();
        } else {
            onSecondSignal.run();
        }
    }

    /** The forwarder can no longer serve reliably: stop, and exit with a failure. */
    void failed(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        requested.countDown();
    }

    /** Waits for the first stop request. */
    void await() throws InterruptedException {
        requested.await();
    }

    /** Runs {@code action} on every signal after the first (and now, if one came already). */
    void onSecondSignal(Runnable action) {
        onSecondSignal = action;
        if (signals.get() > 1) {
            action.run();
        }
    }

    /** @return why the forwarder stops, for people */
    String reason() {
        return failure != null ? "a failure (" + failure + ")" : "a stop signal";
    }

    /** @return 0 after a stop signal, 1 after a failure */
    int exitStatus() {
        return failure == null ? 0 : 1;
    }
}
