package io.splice4j.tool;

import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One upstream server: its address, the group it is in, its {@link ServerHealth}, and its figures
 * (clients on it now, connects that failed). Each change of its state is logged here, in one line:
 * a warning when it goes down, with why, and a line when it is up again.
 */
final class UpstreamServer {

    private final UpstreamOptions.Server spec;
    private final ServerHealth health;
    private final boolean activeChecks;
    private final LongSupplier clock;
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder connectsFailed = new LongAdder();

    /**
     * @param activeChecks whether health checks run
     * @param clock now, in nanoseconds ({@link System#nanoTime()} but in tests)
     */
    UpstreamServer(UpstreamOptions.Server spec, boolean activeChecks, LongSupplier clock) {
        this.spec = spec;
        this.health = new ServerHealth(activeChecks);
        this.activeChecks = activeChecks;
        this.clock = clock;
    }

    /** Where to connect. */
    SocketAddress address() {
        return spec.address();
    }

    /** The group's name, or empty for the default group. */
    Optional<String> group() {
        return spec.group();
    }

    /** The server for people: its address, after {@code NAME=} in a named group. */
    String label() {
        return spec.label();
    }

    /** The server as {@code --connect} names it, for metric labels. */
    String written() {
        return spec.written();
    }

    /** Whether it is taken to be up. */
    boolean up() {
        return health.up();
    }

    /** Whether a client may be sent here now (see {@link ServerHealth#admits}). */
    boolean admits(long now) {
        return health.admits(now);
    }

    /** Clients sent here and not yet released: connecting or relayed. */
    int active() {
        return active.get();
    }

    /** Connects of clients here that failed or timed out. */
    long connectsFailed() {
        return connectsFailed.sum();
    }

    /** A client is sent here at {@code now}: it counts as active until {@link #released()}. */
    void sent(long now) {
        health.sent(now);
        active.incrementAndGet();
    }

    /** A client sent here is gone: its connect failed, or its connection ended. */
    void released() {
        active.decrementAndGet();
    }

    /** A client connected here. */
    void connected() {
        if (health.connected() == ServerHealth.Change.UP) {
            ForwarderLog.info("upstream {0} is up: a client connected", label());
        }
    }

    /** A client's connect here failed, for {@code reason}. */
    void connectFailed(String reason) {
        connectsFailed.increment();
        if (health.connectFailed(clock.getAsLong()) == ServerHealth.Change.DOWN) {
            ForwarderLog.warning("upstream {0} is down: connect failed: {1}; {2}", label(), reason, activeChecks
                    ? "back after " + ServerHealth.IN_A_ROW + " good health checks in a row"
                    : "tried again after back-offs from " + ForwarderArgs.format(ServerHealth.FIRST_BACKOFF) + " to "
                            + ForwarderArgs.format(ServerHealth.MAX_BACKOFF));
        }
    }

    /** A health check passed (empty) or failed for the reason given. */
    void checked(Optional<String> failure) {
        ServerHealth.Change change = health.checked(failure.isEmpty());
        if (change == ServerHealth.Change.DOWN) {
            ForwarderLog.warning("upstream {0} is down: {1} health checks in a row failed: {2}", label(),
                    ServerHealth.IN_A_ROW, failure.orElseThrow());
        } else if (change == ServerHealth.Change.UP) {
            ForwarderLog.info("upstream {0} is up: {1} health checks in a row passed", label(), ServerHealth.IN_A_ROW);
        }
    }

    /** The figures for the summary and the MBean. */
    ForwarderMXBean.ServerFigures figures() {
        return new ForwarderMXBean.ServerFigures(Endpoints.text(spec.address()), spec.group().orElse(""),
                up() ? "up" : "down", active(), connectsFailed());
    }
}
