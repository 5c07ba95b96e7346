package io.splice4j.tool;

import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * The forwarder's log, through {@link System.Logger}, written by a thread of its own ({@link Offload}):
 * a caller only queues its line, so a log destination that blocks (a full pipe nobody reads, a
 * stalled terminal) never stops an event loop, the acceptor or a connect. At most {@value #CAPACITY}
 * lines wait; past that, lines are dropped and counted ({@link #dropped()}), never buffered without
 * bound. Logging never ends the caller: a process out of fds may fail even to format a line (loading
 * a time zone), and it must go on serving.
 */
final class ForwarderLog {

    /** Lines that may wait for the writer. */
    static final int CAPACITY = 8192;

    private static final System.Logger LOG = System.getLogger("io.splice4j.tool");

    /** A queued line. */
    private record Line(Level level, String format, Object[] arguments) {
    }

    private static final Offload<Line> QUEUE = new Offload<>("splice4j-log", CAPACITY, ForwarderLog::write);

    private ForwarderLog() {
    }

    /**
     * Queues a debug line.
     *
     * @param format a {@link java.text.MessageFormat} pattern
     * @param arguments its arguments
     */
    static void debug(String format, Object... arguments) {
        log(Level.DEBUG, format, arguments);
    }

    /**
     * Queues an info line.
     *
     * @param format a {@link java.text.MessageFormat} pattern
     * @param arguments its arguments
     */
    static void info(String format, Object... arguments) {
        log(Level.INFO, format, arguments);
    }

    /**
     * Queues a warning.
     *
     * @param format a {@link java.text.MessageFormat} pattern
     * @param arguments its arguments
     */
    static void warning(String format, Object... arguments) {
        log(Level.WARNING, format, arguments);
    }

    /**
     * Queues an error.
     *
     * @param format a {@link java.text.MessageFormat} pattern
     * @param arguments its arguments
     */
    static void error(String format, Object... arguments) {
        log(Level.ERROR, format, arguments);
    }

    /** @return lines dropped because the writer had fallen {@value #CAPACITY} lines behind */
    static long dropped() {
        return QUEUE.dropped();
    }

    /**
     * Waits until every line queued before this call is written, or {@code timeout} passes (a
     * destination that stays blocked): before a summary, so that it comes after the lines it sums up.
     *
     * @return whether the writer caught up in time
     */
    static boolean flush(Duration timeout) {
        return QUEUE.flush(timeout);
    }

    private static void log(Level level, String format, Object... arguments) {
        try {
            if (LOG.isLoggable(level)) {
                QUEUE.offer(new Line(level, format, arguments.clone()));
            }
        } catch (RuntimeException | Error e) {
            // Nothing better to do with it.
        }
    }

    private static void write(Line line) {
        Object[] plain = line.arguments();
        for (int i = 0; i < plain.length; i++) {
            if (plain[i] instanceof Long || plain[i] instanceof Integer) {
                // The message format would group digits by locale (13,552,400): logs are read by
                // scripts too.
                plain[i] = plain[i].toString();
            }
        }
        LOG.log(line.level(), line.format(), plain);
    }
}
