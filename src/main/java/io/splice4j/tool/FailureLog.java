package io.splice4j.tool;

import java.time.Duration;

/**
 * Thins out the log lines for failures of one kind (accepts, upstream connects): the first one is
 * logged, then at most one per interval, carrying how many were left out since. Out of fds, failures
 * and successes alternate by the client, so a line per failure, or per run of them, would flood the
 * log; the summary counts them all.
 */
final class FailureLog {

    private final Duration interval;
    private boolean logged;
    private long lastLogged;
    private long leftOut;

    /** Logs at most a line per {@code interval}. */
    FailureLog(Duration interval) {
        this.interval = interval;
    }

    /**
     * Counts a failure.
     *
     * @return a note to append to its log line, or {@code null} if it is not to be logged
     */
    synchronized String failed() {
        long now = System.nanoTime();
        if (logged && now - lastLogged < interval.toNanos()) {
            leftOut++;
            return null;
        }
        String note = (leftOut > 0 ? leftOut + " more since the last line; " : "") + "at most a line per "
                + ForwarderArgs.format(interval);
        logged = true;
        lastLogged = now;
        leftOut = 0;
        return note;
    }
}
