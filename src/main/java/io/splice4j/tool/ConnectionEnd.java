package io.splice4j.tool;

import io.splice4j.RelayResult;
import java.util.Locale;
import java.util.Optional;

/**
 * How a forwarded connection ended, as the access log and the metrics name it: a relay's end, or
 * what stopped the connection before its relay started.
 */
enum ConnectionEnd {
    /** Both directions reached their end of stream and passed it on. */
    COMPLETED,
    /** The client's connection broke (a reset, a keepalive timeout); the upstream's was reset. */
    RESET_BY_CLIENT,
    /** The upstream's connection broke; the client's was reset. */
    RESET_BY_UPSTREAM,
    /** No byte moved either way for {@code --idle-timeout}. */
    IDLE_TIMEOUT,
    /** The upstream could not be reached (refused, unreachable, {@code --connect-timeout}). */
    CONNECT_FAILED,
    /** What the client must send first was malformed, incomplete or late: its PROXY header, or its TLS ClientHello. */
    HEADER_REJECTED,
    /** No route took the TLS server name the client asked for, or its lack of one, and there is no default group. */
    SNI_REJECTED,
    /** Still open when a drain's time was up: reset. */
    DRAINED,
    /** Closed by the forwarder otherwise (at shutdown while connecting, say). */
    CLOSED,
    /** A failure of the relay's own or of the forwarder's side (out of fds, say). */
    FAILED;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The name in the access log and in metric labels: {@code reset_by_client}. */
    String wireName() {
        return wire;
    }

    /**
     * How {@code connection} ended: by its relay's {@code result}, or, with no relay, by what the
     * connector noted ({@link Connection#endedBeforeRelay}); a close is {@link #DRAINED} if it reset.
     */
    static ConnectionEnd of(Connection connection, Optional<RelayResult> result) {
        if (result.isEmpty()) {
            ConnectionEnd noted = connection.endedBeforeRelay();
            return noted != null ? noted : connection.wasReset() ? DRAINED : CLOSED;
        }
        return switch (result.get().end()) {
            case COMPLETED -> COMPLETED;
            case A_RESET -> RESET_BY_CLIENT;
            case B_RESET -> RESET_BY_UPSTREAM;
            case IDLE_TIMEOUT -> IDLE_TIMEOUT;
            case FAILED -> FAILED;
            case CLOSED -> connection.wasReset() ? DRAINED : CLOSED;
        };
    }
}
