package io.splice4j.tool;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The forwarder's numeric flags, and the numeric parts of a flag's value ({@code --keepalive IDLE}),
 * each with the inclusive range its value must lie in. A value out of range is refused when the
 * command line is parsed, naming the flag and its range, instead of failing every connection later
 * (a deadline that overflows, a pipe the pool can never hold).
 */
enum NumericFlag {

    /**
     * A page, the smallest pipe the kernel makes, to 16 MiB: past a few MiB a chunk gains nothing
     * (copies use at most 4 MiB buffers, and an unprivileged pipe at most {@code pipe-max-size},
     * 1 MiB by default), and 16 MiB still leaves the pool a pipe for each of 8 loops.
     */
    CHUNK_SIZE("--chunk-size", Unit.BYTES, 4L << 10, 16L << 20),
    /**
     * A loop is a busy platform thread, so more than one per core gains nothing; 256 covers large
     * machines, and leaves each loop's share of the pool two pipes of the default 256 KiB.
     */
    LOOPS("--loops", Unit.COUNT, 1, 256),
    /**
     * Up to 2<sup>30</sup>: at 2 fds a connection, more than any process can open ({@code fs.nr_open}
     * is at most 2<sup>31</sup> - 64).
     */
    MAX_CONNECTIONS("--max-connections", Unit.COUNT, 1, 1L << 30),
    CONNECT_TIMEOUT("--connect-timeout", Unit.MILLIS, 1, NumericFlag.MAX_MILLIS),
    /** Other servers a client may try: 16 covers any sensible group, and bounds a client's wait. */
    RETRIES("--retries", Unit.COUNT, 0, 16),
    /** At least 100 ms: a check is a connect per server, which a shorter interval would turn into load. */
    HEALTH_CHECK("--health-check", Unit.MILLIS, 100, NumericFlag.MAX_MILLIS),
    IDLE_TIMEOUT("--idle-timeout", Unit.MILLIS, 1, NumericFlag.MAX_MILLIS),
    /** {@code 0} closes open connections at once. */
    DRAIN_TIMEOUT("--drain-timeout", Unit.MILLIS, 0, NumericFlag.MAX_MILLIS),
    PROXY_TIMEOUT("--proxy-timeout", Unit.MILLIS, 1, NumericFlag.MAX_MILLIS),
    SNI_TIMEOUT("--sni-timeout", Unit.MILLIS, 1, NumericFlag.MAX_MILLIS),
    /** Linux takes 1 to 32767 seconds ({@code MAX_TCP_KEEPIDLE}). */
    KEEPALIVE_IDLE("--keepalive IDLE", Unit.SECONDS, 1, 32_767),
    /** Linux takes 1 to 32767 seconds ({@code MAX_TCP_KEEPINTVL}). */
    KEEPALIVE_INTERVAL("--keepalive INTERVAL", Unit.SECONDS, 1, 32_767),
    /** Linux takes 1 to 127 probes ({@code MAX_TCP_KEEPCNT}). */
    KEEPALIVE_COUNT("--keepalive COUNT", Unit.COUNT, 1, 127);

    /**
     * 24 days, the longest duration: under 2<sup>31</sup> - 1 ms, as HAProxy's timeouts are, so
     * that it fits the {@code int} milliseconds of a socket timeout and no deadline in nanoseconds
     * overflows.
     */
    static final long MAX_MILLIS = 24L * 24 * 60 * 60 * 1000;

    private final String flag;
    private final Unit unit;
    private final long min;
    private final long max;

    NumericFlag(String flag, Unit unit, long min, long max) {
        this.flag = flag;
        this.unit = unit;
        this.min = min;
        this.max = max;
    }

    /** The flag as written on the command line, without the part of its value this range is for. */
    String flag() {
        int space = flag.indexOf(' ');
        return space < 0 ? flag : flag.substring(0, space);
    }

    /** The largest value taken. */
    long max() {
        return max;
    }

    /** The range as the usage states it, such as {@code 1..256} or {@code 1ms..576h}. */
    String range() {
        return unit.show(min) + ".." + unit.show(max);
    }

    /** Reads a count or a byte count, which all fit an {@code int}. */
    int intValue(String text) {
        return Math.toIntExact(value(text));
    }

    /** Reads a duration. */
    Duration duration(String text) {
        return Duration.ofMillis(value(text));
    }

    /**
     * Reads the value in the flag's unit (bytes, milliseconds or a plain count).
     *
     * @throws IllegalArgumentException naming the flag if the text is malformed or out of range
     */
    private long value(String text) {
        OptionalLong read = unit.read(text);
        if (read.isEmpty()) {
            throw new IllegalArgumentException(flag + " wants " + unit.wanted + ", got " + ArgText.quoted(text));
        }
        long value = read.getAsLong();
        if (value < min || value > max) {
            throw new IllegalArgumentException(flag + " must be between " + unit.show(min) + " and "
                    + unit.show(max) + ", got " + ArgText.quoted(text));
        }
        return value;
    }

    /** Shows a byte count the way {@code --chunk-size} reads it, in the largest exact unit. */
    static String showBytes(long count) {
        return Unit.BYTES.show(count);
    }

    /** Shows a duration the way the duration flags read it, in the largest exact unit. */
    static String showDuration(Duration duration) {
        return Unit.MILLIS.show(duration.toMillis());
    }

    /** How a value is written: ASCII digits, and a suffix that multiplies them. */
    private enum Unit {
        COUNT("a whole number", Map.of("", 1L)),
        BYTES("a byte count such as 65536, 64k or 1m", Map.of("", 1L, "k", 1L << 10, "m", 1L << 20, "g", 1L << 30)),
        MILLIS("a duration with a unit such as 500ms, 30s, 5m or 1h",
                Map.of("ms", 1L, "s", 1_000L, "m", 60_000L, "h", 3_600_000L)),
        SECONDS("a duration in whole seconds such as 30s, 5m or 1h", Map.of("s", 1L, "m", 60L, "h", 3_600L));

        private final String wanted;
        private final Map<String, Long> multipliers;
        private final Pattern pattern;

        Unit(String wanted, Map<String, Long> multipliers) {
            this.wanted = wanted;
            this.multipliers = multipliers;
            // ASCII only: \d is, and without UNICODE_CASE so is the case-blindness (no Kelvin sign for k).
            this.pattern = Pattern.compile("(-?)(\\d+)(" + String.join("|", multipliers.keySet()) + ")",
                    Pattern.CASE_INSENSITIVE);
        }

        /**
         * Reads {@code text}, or returns empty if it is malformed. A bare {@code 0} is zero in any
         * unit. A number too large for a {@code long} reads as {@link Long#MAX_VALUE} (or its
         * negative), which is out of every range.
         */
        OptionalLong read(String text) {
            if (text.equals("0")) {
                return OptionalLong.of(0);
            }
            Matcher matcher = pattern.matcher(text);
            if (!matcher.matches()) {
                return OptionalLong.empty();
            }
            long value;
            try {
                value = Math.multiplyExact(Long.parseLong(matcher.group(2)),
                        multipliers.get(matcher.group(3).toLowerCase(Locale.ROOT)));
            } catch (NumberFormatException | ArithmeticException tooLarge) {
                value = Long.MAX_VALUE;
            }
            return OptionalLong.of(matcher.group(1).isEmpty() ? value : -value);
        }

        /** Shows {@code value} in the largest unit that divides it exactly. */
        String show(long value) {
            String suffix = "";
            long multiplier = 1;
            for (Map.Entry<String, Long> unit : multipliers.entrySet()) {
                if (unit.getValue() >= multiplier && value % unit.getValue() == 0 && value != 0) {
                    suffix = unit.getKey();
                    multiplier = unit.getValue();
                }
            }
            return value / multiplier + suffix;
        }
    }
}
