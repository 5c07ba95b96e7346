package io.splice4j.tool;

import java.math.BigDecimal;

/**
 * Metrics written in the Prometheus text exposition format, version 0.0.4: each family is
 * introduced by its {@code # HELP} and {@code # TYPE} lines and followed by all its samples, one
 * per label set. Names follow Prometheus's conventions: a {@code splice4j_} prefix, base units
 * ({@code _bytes}, {@code _seconds}) and {@code _total} at the end of every counter.
 */
final class PrometheusText {

    /** The {@code Content-Type} of this format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder text = new StringBuilder(8192);
    private String family;

    /**
     * Starts a counter family.
     *
     * @throws IllegalArgumentException if its name does not end in {@code _total}
     */
    PrometheusText counter(String name, String help) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        }
        return family(name, "counter", help);
    }

    /** Starts a gauge family. */
    PrometheusText gauge(String name, String help) {
        return family(name, "gauge", help);
    }

    /** Adds the family's sample without labels. */
    PrometheusText sample(long value) {
        text.append(family).append(' ').append(value).append('\n');
        return this;
    }

    /** Adds the family's sample without labels, a decimal number (seconds, say). */
    PrometheusText sample(BigDecimal value) {
        text.append(family).append(' ').append(value.toPlainString()).append('\n');
        return this;
    }

    /** Adds the family's sample for one label's {@code value}. */
    PrometheusText sample(String label, String value, long sample) {
        text.append(family).append('{').append(label).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> text.append("\\\\");
                case '"' -> text.append("\\\"");
                case '\n' -> text.append("\\n");
                default -> text.append(c);
            }
        }
        text.append("\"} ").append(sample).append('\n');
        return this;
    }

    /** The exposition, every line ended by a line feed. */
    @Override
    public String toString() {
        return text.toString();
    }

    /** Writes a family's HELP and TYPE lines; its samples follow. */
    private PrometheusText family(String name, String type, String help) {
        family = name;
        // HELP escapes only the backslash and the line feed.
        text.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }
}
