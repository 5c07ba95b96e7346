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

    static void debug(String format, Object... arguments) {
        log(Level.DEBUG, format, arguments);
    }

    static void info(String format, Object... arguments) {
        log(Level.INFO, format, arguments);
    }

    static void warning(String format, Object... arguments) {
        log(Level.WARNING, format, arguments);
    }

    private static void log(Level level, String format, Object... arguments) {
        try {
            Object[] plain = arguments.clone();
            for (int i = 0; i < plain.length; i++) {
                if (plain[i] instanceof Long || plain[i] instanceof Integer) {
                    // The message format would group digits by locale (13,552,400): logs are read by
                    // scripts too.
                    plain[i] = plain[i].toString();
                }
            }
            LOG.log(level, format, plain);
        } catch (RuntimeException | Error e) {
            // Nothing better to do with it.
        }
    }
}
