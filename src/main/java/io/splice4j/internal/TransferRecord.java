package io.splice4j.internal;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import io.splice4j.internal.jfr.TransferTrace;
import java.nio.channels.Channel;
import java.util.Optional;

/**
 * One transfer's life, recorded once in the library-wide {@link Metrics}: started on the path it
 * took (committed by its first byte, or by its end if none moved), at most one fallback, and one
 * end, finished or failed. It also keeps the live byte count and path that a {@link io.splice4j.Relay}
 * reports while it runs, and touches the transfer's {@link Activity} whenever bytes move. Where
 * the {@code io.splice4j.Transfer} JFR event is enabled when the record is made, its end writes one.
 */
public final class TransferRecord {

    private volatile TransferPath planned;
    private final Activity activity;
    private volatile TransferPath path;
    private volatile FallbackReason fallback;
    private volatile long bytes;
    private boolean ended;
    private final TransferTrace trace = TransferTrace.begin();

    /**
     * Starts a record.
     *
     * @param planned the path the transfer tries first
     * @param activity the clock its bytes reset
     */
    public TransferRecord(TransferPath planned, Activity activity) {
        this.planned = planned;
        this.activity = activity;
    }

    /**
     * Names the transfer's ends for its JFR event, if that is enabled; call it while they are open.
     *
     * @param source the channel read
     * @param target the channel written
     */
    public void between(Channel source, Channel target) {
        if (trace != null) {
            trace.between(source, target);
        }
    }

    /**
     * Commits the transfer to a path; only the first call counts.
     *
     * @param taken the path
     */
    public synchronized void start(TransferPath taken) {
        if (path == null) {
            path = taken;
            Metrics.started(taken);
        }
    }

    /**
     * Notes that the transfer copies instead of splicing; only the first reason counts.
     *
     * @param reason why
     */
    public synchronized void fallback(FallbackReason reason) {
        if (fallback == null) {
            fallback = reason;
            planned = TransferPath.PORTABLE;
            Metrics.fallback(reason);
        }
    }

    /**
     * Counts bytes the target accepted; a single thread delivers at a time.
     *
     * @param on the path that moved them
     * @param count bytes
     */
    public void delivered(TransferPath on, long count) {
        if (path == null) {
            start(on);
        }
        bytes += count;
        Metrics.delivered(on, count);
        activity.touch();
    }

    /**
     * Counts bytes the caller supplied to send first (not read from the source): delivered, copied
     * through user space, and no sign of the path the transfer takes.
     *
     * @param count bytes
     */
    public void deliveredFirst(long count) {
        bytes += count;
        Metrics.delivered(TransferPath.PORTABLE, count);
        activity.touch();
    }

    /** The transfer reached its end. */
    public void finished() {
        end(false);
    }

    /** The transfer ended with an exception (a close, an interrupt, a timeout included). */
    public void failed() {
        end(true);
    }

    private synchronized void end(boolean failed) {
        if (ended) {
            return;
        }
        ended = true;
        start(planned);
        if (failed) {
            Metrics.failed(path);
        } else {
            Metrics.finished(path);
        }
        if (trace != null) {
            trace.end(result(), failed);
        }
    }

    /**
     * Returns the bytes delivered so far.
     *
     * @return the live count
     */
    public long bytes() {
        return bytes;
    }

    /**
     * Returns what the transfer did so far; the path is the planned one until a byte moved.
     *
     * @return bytes, path and fallback reason
     */
    public SpliceResult result() {
        TransferPath current = path;
        return new SpliceResult(bytes, current == null ? planned : current, Optional.ofNullable(fallback));
    }

    /**
     * Returns the activity clock.
     *
     * @return the clock shared with the transfer's relay, if any
     */
    public Activity activity() {
        return activity;
    }
}
