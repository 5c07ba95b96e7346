package io.splice4j.tool;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks ({@code --health-check}): a virtual thread per server connects to it every
 * interval, closes the socket at once and tells the server how that went. A check may take the
 * connect timeout, at most the interval. A check that can't be made here (out of fds) tells nothing.
 */
final class HealthChecks implements AutoCloseable {

    /** How long {@link #close()} waits for a check to notice it. */
    private static final long JOIN_MILLIS = 10_000;

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private HealthChecks() {
    }

    /**
     * Starts checking every server of {@code upstreams} every {@code interval}, the first time at once;
     * with no interval, checks nothing.
     */
    static HealthChecks start(Upstreams upstreams, Optional<Duration> interval, UpstreamDialer dialer) {
        HealthChecks checks = new HealthChecks();
        interval.ifPresent(every -> {
            Duration timeout = dialer.timeout().compareTo(every) < 0 ? dialer.timeout() : every;
            for (UpstreamServer server : upstreams.servers()) {
                checks.threads.add(Thread.ofVirtual().name("splice4j-health-check").start(
                        () -> checks.run(server, every, timeout, dialer)));
            }
        });
        return checks;
    }

    /** None: no active checks. */
    static HealthChecks none() {
        return new HealthChecks();
    }

    /** Checks {@code server} every {@code interval} until closed; a check that ran late starts the next round. */
    private void run(UpstreamServer server, Duration interval, Duration timeout, UpstreamDialer dialer) {
        long next = System.nanoTime();
        try {
            while (!closed) {
                check(server, timeout, dialer);
                next += interval.toNanos();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                } else {
                    next = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            // Closed.
        }
    }

    /** One check, told to the server unless it could not be made or the checks are closing. */
    private void check(UpstreamServer server, Duration timeout, UpstreamDialer dialer) throws InterruptedException {
        Optional<String> failure;
        try {
            failure = dialer.probe(server.address(), timeout);
        } catch (IOException e) {
            // No check made: out of fds here, or closing.
            return;
        }
        if (!closed) {
            server.checked(failure);
        }
    }

    /** Stops the checks, and waits for them to end. */
    @Override
    public void close() {
        closed = true;
        for (Thread thread : threads) {
            thread.interrupt();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
        try {
            for (Thread thread : threads) {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
