package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The forwarder's log lines as its log thread writes them, caught by a {@link Handler} on the
 * {@code java.util.logging} logger {@code io.splice4j.tool}: each line's level and text, and when it
 * was written.
 */
final class LogCapture extends Handler implements AutoCloseable {

    /** A line written: its level, its text with the arguments in, and {@link System#nanoTime()} then. */
    record Line(Level level, String text, long nanos) {
    }

    /** Held here: java.util.logging keeps its loggers weakly, and a new one would have no handler. */
    private final Logger logger = Logger.getLogger("io.splice4j.tool");
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final List<Line> lines = new ArrayList<>();

    LogCapture() {
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        Line line = new Line(record.getLevel(), formatter.formatMessage(record), System.nanoTime());
        synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
        }
    }

    /** The lines written so far that contain {@code text}. */
    List<Line> containing(String text) {
        synchronized (lines) {
            return lines.stream().filter(line -> line.text().contains(text)).toList();
        }
    }

    /** The lines queued so far that contain {@code text}, once the log thread has written them. */
    List<Line> flushedContaining(String text) {
        assertTrue(ForwarderLog.flush(Duration.ofSeconds(10)), "the log thread caught up");
        return containing(text);
    }

    /** Waits up to {@code seconds} for the first line that contains {@code text}. */
    Line await(String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (lines) {
            for (;;) {
                for (Line line : lines) {
                    if (line.text().contains(text)) {
                        return line;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no line with " + text + " in " + seconds + " s: " + lines);
                }
                TimeUnit.NANOSECONDS.timedWait(lines, left);
            }
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
