package io.splice4j.tool;

import java.lang.System.Logger.Level;

/**
 * The forwarder's log, through {@link System.Logger}. Logging never ends the caller: a process out
 * of fds may fail even to format a line (loading a time zone), and it must go on serving.
 */
final class ForwarderLog {

    private static final System.Logger LOG = System.getLogger("io.splice4j.tool");

    private ForwarderLog() {
    }

    static void info(String format, Object... arguments) {
        log(Level.INFO, format, arguments);
    }

    static void warning(String format, Object... arguments) {
        log(Level.WARNING, format, arguments);
    }

    private static void log(Level level, String format, Object... arguments) {
        try {
            LOG.log(level, format, arguments);
        } catch (RuntimeException | Error e) {
            // Nothing better to do with it.
        }
    }
}
