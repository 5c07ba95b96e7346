package io.splice4j.tool;

import io.splice4j.RelayResult;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/**
 * One line of the access log: what it says about a connection that ended. Taken when the connection
 * ends, on whatever thread ends it (an event loop, say), which only reads a few fields; formatted as
 * JSON later, by the log's writer.
 *
 * @param startMillis when the client was accepted, wall-clock milliseconds
 * @param durationNanos from accept to end
 * @param acceptedAs the client as accepted: its address or, for a Unix socket, its path and number
 * @param peer the address the client connected from, or {@code null}
 * @param proxiedSource the source address of the client's accepted PROXY header, or {@code null}
 * @param serverName the server name (SNI) the client asked for, or {@code null}
 * @param upstream the upstream server chosen, or {@code null} if none was
 * @param relay what the relay moved each way, or empty if the connection ended before one started
 * @param end how the connection ended
 */
record AccessEntry(long startMillis, long durationNanos, String acceptedAs, SocketAddress peer,
        InetSocketAddress proxiedSource, String serverName, SocketAddress upstream, Optional<RelayResult> relay,
        ConnectionEnd end) {

    private static final DateTimeFormatter START = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    /** What {@code connection}, ended now as {@code end}, has to say. */
    static AccessEntry of(Connection connection, Optional<RelayResult> relay, ConnectionEnd end) {
        return new AccessEntry(connection.acceptedAtMillis(), System.nanoTime() - connection.acceptedAtNanos(),
                connection.acceptedAs(), connection.peer(), connection.proxiedSource(), connection.serverName(),
                connection.chosenUpstream(), relay, end);
    }

    /**
     * The line, a JSON object: {@code start} (ISO-8601, UTC, milliseconds), {@code duration_s},
     * {@code client} (the PROXY header's source if one was accepted, with the address it came
     * {@code via}), {@code sni} and {@code upstream} if known, {@code bytes_to_upstream} and
     * {@code bytes_to_client}, {@code path_to_upstream} and {@code path_to_client} if a relay ran,
     * and {@code end}. Members with nothing to say are left out.
     */
    String json() {
        String from = peer instanceof InetSocketAddress ? Endpoints.written(peer) : acceptedAs;
        Json json = new Json()
                .add("start", START.format(Instant.ofEpochMilli(startMillis)))
                .addNumber("duration_s", seconds(durationNanos))
                .add("client", proxiedSource != null ? Endpoints.written(proxiedSource) : from)
                .addIfPresent("via", proxiedSource != null ? from : null)
                .addIfPresent("sni", serverName)
                .addIfPresent("upstream", upstream != null ? Endpoints.written(upstream) : null)
                .add("bytes_to_upstream", relay.map(r -> r.aToB().bytes()).orElse(0L))
                .add("bytes_to_client", relay.map(r -> r.bToA().bytes()).orElse(0L));
        relay.ifPresent(r -> json.add("path_to_upstream", path(r.aToB())).add("path_to_client", path(r.bToA())));
        return json.add("end", end.wireName()).toString();
    }

    /** The path a direction took, as the log names it. */
    private static String path(SpliceResult direction) {
        return direction.path() == TransferPath.ZERO_COPY ? "zero_copy" : "portable";
    }

    /** Seconds with microseconds, as a JSON number: {@code 0.012345}. */
    static String seconds(long nanos) {
        long micros = Math.max(0, nanos) / 1_000;
        String fraction = Long.toString(1_000_000 + micros % 1_000_000).substring(1);
        return micros / 1_000_000 + "." + fraction;
    }
}
