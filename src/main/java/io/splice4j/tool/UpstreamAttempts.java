package io.splice4j.tool;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client's tries to connect upstream, the policy alone: which server to try next, at most
 * {@code 1 + retries} tries on as many servers, and what each outcome tells its server. Whoever
 * connects (blocking, or someday on an event loop) asks {@link #next()} for a server, reports how
 * the try went, and {@linkplain #release() releases} the server when the client's connection ends.
 */
final class UpstreamAttempts {

    private final ServerGroup group;
    private final int retries;
    private final List<UpstreamServer> tried = new ArrayList<>(2);
    private final StringJoiner failures = new StringJoiner(", nor to ");
    /** The server of the try under way or connected, which counts this client as active. */
    private final AtomicReference<UpstreamServer> current = new AtomicReference<>();
    private boolean stopped;
    private boolean timedOut;

    /** @param retries how many other servers may be tried after a failed connect */
    UpstreamAttempts(ServerGroup group, int retries) {
        this.group = group;
        this.retries = retries;
    }

    /**
     * The server to try next: releases the last one, and picks one not tried yet.
     *
     * @return the server, or {@code null} if no try is left: the retries are used up, every server
     *     was tried, or a failure of this side's ended the tries
     */
    UpstreamServer next() {
        release();
        if (stopped || tried.size() > retries) {
            return null;
        }
        UpstreamServer server = group.pick(tried);
        if (server != null) {
            tried.add(server);
            current.set(server);
        }
        return server;
    }

    /** The server of the try under way or connected, or {@code null}. */
    UpstreamServer current() {
        return current.get();
    }

    /** The server tried last, connected or not (the access log names it), or {@code null} if none was. */
    UpstreamServer lastTried() {
        return tried.isEmpty() ? null : tried.getLast();
    }

    /** The try connected: the server keeps counting the client until {@link #release()}. */
    void connected() {
        current.get().connected();
    }

    /**
     * The try failed, the server's doing (refused, no answer, unreachable): the server hears of it
     * and the next try may go elsewhere.
     *
     * @param reason why, for people
     * @param timedOut whether the try ran out of the connect timeout
     */
    void failed(String reason, boolean timedOut) {
        UpstreamServer server = current.get();
        server.connectFailed(reason);
        noted(server, reason, timedOut);
    }

    /**
     * The try failed on this side (no fd for a socket, say): no server is to blame, and none would
     * fare better, so the tries end.
     */
    void failedHere(String reason) {
        noted(current.get(), reason, false);
        stopped = true;
    }

    /** Notes a failed try for {@link #exhausted()}. */
    private void noted(UpstreamServer server, String reason, boolean timedOut) {
        failures.add(server.label() + ": " + reason);
        this.timedOut = timedOut;
    }

    /** What every try that failed tells, to throw when no try is left. */
    UpstreamConnectException exhausted() {
        return new UpstreamConnectException(failures.length() == 0 ? "no server to try" : failures.toString(),
                timedOut);
    }

    /** Gives the current server its place back: the try failed or the client's connection ended. Idempotent. */
    void release() {
        UpstreamServer server = current.getAndSet(null);
        if (server != null) {
            server.released();
        }
    }
}
