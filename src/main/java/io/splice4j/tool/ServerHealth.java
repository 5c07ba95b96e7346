package io.splice4j.tool;

import java.time.Duration;

/**
 * Whether one upstream server is taken to be up, and when a server that is down is tried again:
 * the policy alone, with no I/O, on a clock its caller reads (nanoseconds), so that any way of
 * connecting can feed it. A failed connect takes a server down. Without active checks a server that
 * is down lets one client try it (a trial) once its back-off is over, 1 s at first and doubled at
 * each trial up to 30 s, and a connect that succeeds brings it back; with active checks two failed
 * checks in a row take it down and two good ones bring it back, and clients' connects bring nothing
 * back. See "Several upstreams" in docs/design.md.
 */
final class ServerHealth {

    /** The first wait after a server goes down before a client tries it again. */
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    /** The longest wait between two trials. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Active checks in a row that change the state. */
    static final int IN_A_ROW = 2;

    /** What an event did to the state: its caller logs a change, once. */
    enum Change { NONE, DOWN, UP }

    private final boolean activeChecks;
    private boolean up = true;
    private long backoffNanos;
    /** When a server that is down may have its next trial (passive checks only). */
    private long retryAt;
    private int goodChecks;
    private int failedChecks;

    /** @param activeChecks whether health checks run (then they alone bring a server back) */
    ServerHealth(boolean activeChecks) {
        this.activeChecks = activeChecks;
    }

    /** Whether the server is taken to be up. */
    synchronized boolean up() {
        return up;
    }

    /** Whether a client may be sent here at {@code now}: it is up, or, without active checks, its back-off is over. */
    synchronized boolean admits(long now) {
        return up || !activeChecks && now - retryAt >= 0;
    }

    /**
     * A client is sent here at {@code now}. If that is a down server's trial, the next trial waits for
     * the next back-off, so that clients arriving meanwhile go elsewhere.
     */
    synchronized void sent(long now) {
        if (!up && !activeChecks && now - retryAt >= 0) {
            backoffNanos = Math.min(2 * backoffNanos, MAX_BACKOFF.toNanos());
            retryAt = now + backoffNanos;
        }
    }

    /** A connect here failed or timed out at {@code now}: an up server goes down. */
    synchronized Change connectFailed(long now) {
        if (!up) {
            return Change.NONE;
        }
        up = false;
        backoffNanos = FIRST_BACKOFF.toNanos();
        retryAt = now + backoffNanos;
        goodChecks = 0;
        failedChecks = 0;
        return Change.DOWN;
    }

    /** A client connected here: without active checks, a down server is up again. */
    synchronized Change connected() {
        if (up || activeChecks) {
            return Change.NONE;
        }
        up = true;
        return Change.UP;
    }

    /** An active check passed or failed: {@value #IN_A_ROW} alike in a row change the state. */
    synchronized Change checked(boolean passed) {
        if (passed) {
            failedChecks = 0;
            goodChecks = Math.min(IN_A_ROW, goodChecks + 1);
            if (!up && goodChecks == IN_A_ROW) {
                up = true;
                return Change.UP;
            }
        } else {
            goodChecks = 0;
            failedChecks = Math.min(IN_A_ROW, failedChecks + 1);
            if (up && failedChecks == IN_A_ROW) {
                up = false;
                return Change.DOWN;
            }
        }
        return Change.NONE;
    }
}
