package io.splice4j.bench;

import io.splice4j.SpliceMode;

/** The rows of the round-trip table, in table order; the first is the baseline. */
public enum RoundTripPath {

    DIRECT("client ↔ server, no relay (baseline)", null),
    RELAY_PORTABLE("splice4j relay, PORTABLE, thread per direction", SpliceMode.PORTABLE),
    RELAY_ZERO_COPY("splice4j relay, ZERO_COPY, thread per direction", SpliceMode.ZERO_COPY),
    RELAY_ENGINE("splice4j relay on a SpliceEngine (loops = cores)", SpliceMode.ZERO_COPY);

    private final String label;
    private final SpliceMode mode;

    RoundTripPath(String label, SpliceMode mode) {
        this.label = label;
        this.mode = mode;
    }

    /** What the results table calls this row. */
    public String label() {
        return label;
    }

    /** The relay's mode; null without a relay. */
    SpliceMode mode() {
        return mode;
    }
}
