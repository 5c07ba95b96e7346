package io.splice4j.internal.proxy;

/**
 * Reads one version 1 address or port literal a character at a time, saying after each whether a
 * valid literal can still come of it, and at the end whether it is one. The spec's rules, strictly:
 * IPv4 is exactly four decimal numbers 0-255 without leading zeros; IPv6 is colon-separated groups
 * of one to four hex digits, 128 bits in all, with at most one {@code ::} (no dotted-quad tail, no
 * zone); a port is 0-65535 in decimal without leading zeros.
 */
final class LiteralReader {

    /** What the literal is. */
    enum Kind { IPV4, IPV6, PORT }

    private final Kind kind;
    /** IPv4: numbers begun. IPv6: groups begun. */
    private int parts;
    /** Digits in the current number or group. */
    private int digits;
    /** IPv4 and ports: the current number's value. */
    private int value;
    /** IPv6: colons just read in a row. */
    private int colons;
    /** IPv6: whether a {@code ::} was read. */
    private boolean compressed;

    LiteralReader(Kind kind) {
        this.kind = kind;
        this.parts = kind == Kind.IPV4 ? 1 : 0;
    }

    /**
     * Takes the next character.
     *
     * @return whether the characters so far can still begin a valid literal
     */
    boolean accept(char c) {
        return switch (kind) {
            case IPV4 -> ipv4(c);
            case IPV6 -> ipv6(c);
            case PORT -> decimal(c, 0xFFFF);
        };
    }

    /** Says whether the characters taken are a whole valid literal. */
    boolean isComplete() {
        return switch (kind) {
            case IPV4 -> parts == 4 && digits > 0;
            case IPV6 -> colons != 1 && (compressed ? parts <= 7 : parts == 8);
            case PORT -> digits > 0;
        };
    }

    private boolean ipv4(char c) {
        if (c != '.') {
            return decimal(c, 255);
        }
        if (digits == 0 || parts == 4) {
            return false;
        }
        parts++;
        digits = 0;
        value = 0;
        return true;
    }

    /** A digit of a decimal number up to {@code max}, without leading zeros (some read those as octal). */
    private boolean decimal(char c, int max) {
        if (c < '0' || c > '9' || (digits == 1 && value == 0)) {
            return false;
        }
        value = value * 10 + (c - '0');
        digits++;
        return value <= max;
    }

    private boolean ipv6(char c) {
        if (c < 0x80 && Character.digit(c, 16) >= 0) {
            if (colons == 1 && parts == 0) {
                return false; // ":1" - a lone leading colon
            }
            if (digits == 0 && ++parts > (compressed ? 7 : 8)) {
                return false;
            }
            colons = 0;
            return ++digits <= 4;
        }
        if (c != ':') {
            return false;
        }
        colons++;
        digits = 0;
        if (colons == 2) {
            if (compressed) {
                return false;
            }
            compressed = true;
            return true;
        }
        // A lone colon must open one more group, or with up to 7 groups become "::".
        return colons == 1 && (parts == 0 || parts < (compressed ? 7 : 8));
    }
}
