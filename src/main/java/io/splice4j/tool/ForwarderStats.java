package io.splice4j.tool;

import io.splice4j.FallbackReason;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceMetrics;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.atomic.LongAdder;

/** What a forwarder has done, for its summary. */
final class ForwarderStats {

    private final LongAdder accepted = new LongAdder();
    private final LongAdder upstreamFailures = new LongAdder();
    private final LongAdder connectTimeouts = new LongAdder();
    private final LongAdder proxyHeadersRejected = new LongAdder();
    private final LongAdder notTakenIn = new LongAdder();
    private final LongAdder resetAtDrainEnd = new LongAdder();
    private final LongAdder proxyHeaderReadFailures = new LongAdder();
    private final LongAdder hellosRejected = new LongAdder();
    private final LongAdder helloReadFailures = new LongAdder();
    private final LongAdder sniRejections = new LongAdder();
    private final Map<RelayResult.End, LongAdder> ends = new EnumMap<>(RelayResult.End.class);
    private final LongAdder clientToUpstream = new LongAdder();
    private final LongAdder upstreamToClient = new LongAdder();
    private final Map<TransferPath, LongAdder> directionsByPath = new EnumMap<>(TransferPath.class);
    private final SpliceMetrics libraryAtStart = Splice.metrics();

    ForwarderStats() {
        for (TransferPath path : TransferPath.values()) {
            directionsByPath.put(path, new LongAdder());
        }
        for (RelayResult.End end : RelayResult.End.values()) {
            ends.put(end, new LongAdder());
        }
    }

    void accepted() {
        accepted.increment();
    }

    void upstreamFailed(boolean timedOut) {
        upstreamFailures.increment();
        if (timedOut) {
            connectTimeouts.increment();
        }
    }

    /** A client closed because its PROXY header was malformed, incomplete or late. */
    void proxyHeaderRejected() {
        proxyHeadersRejected.increment();
    }

    /** Clients closed for their PROXY header. */
    long proxyHeadersRejected() {
        return proxyHeadersRejected.sum();
    }

    /** A client accepted and then closed at once: the forwarder failed to take it in. */
    void notTakenIn() {
        notTakenIn.increment();
    }

    /** Connections reset when a drain's time was up. */
    void drained(int reset) {
        resetAtDrainEnd.add(reset);
    }

    /** A client closed because reading its PROXY header failed on this side (out of fds, say), not for the header. */
    void proxyHeaderReadFailed() {
        proxyHeaderReadFailures.increment();
    }

    /** Clients closed because reading their PROXY header failed on this side. */
    long proxyHeaderReadFailures() {
        return proxyHeaderReadFailures.sum();
    }

    /** A client closed because its TLS ClientHello was malformed, incomplete, late or no TLS at all. */
    void helloRejected() {
        hellosRejected.increment();
    }

    /** Clients closed for their TLS ClientHello. */
    long hellosRejected() {
        return hellosRejected.sum();
    }

    /** A client closed because reading its TLS ClientHello failed on this side, not for the hello. */
    void helloReadFailed() {
        helloReadFailures.increment();
    }

    /** Clients closed because reading their TLS ClientHello failed on this side. */
    long helloReadFailures() {
        return helloReadFailures.sum();
    }

    /** A client closed because no route took the server name it asked for (or none), and there is no default group. */
    void sniRejected() {
        sniRejections.increment();
    }

    /** Clients closed for the server name they asked for. */
    long sniRejections() {
        return sniRejections.sum();
    }

    /** A connection the forwarder closed at shutdown while it was still connecting upstream. */
    void closedWhileConnecting() {
        ends.get(RelayResult.End.CLOSED).increment();
    }

    void record(RelayResult result) {
        ends.get(result.end()).increment();
        clientToUpstream.add(result.aToB().bytes());
        upstreamToClient.add(result.bToA().bytes());
        for (SpliceResult direction : new SpliceResult[] {result.aToB(), result.bToA()}) {
            directionsByPath.get(direction.path()).increment();
        }
    }

    /** A few lines for people. */
    String summary() {
        SpliceMetrics library = library();
        StringJoiner fallbacks = new StringJoiner(", ");
        for (FallbackReason reason : FallbackReason.values()) {
            if (library.fallbacks(reason) > 0) {
                fallbacks.add(reason + "=" + library.fallbacks(reason));
            }
        }
        return "splice4j summary: " + accepted.sum() + " connections (" + ended(RelayResult.End.COMPLETED)
                + " completed, " + ended(RelayResult.End.FAILED) + " failed, " + ended(RelayResult.End.CLOSED)
                + " closed at shutdown, " + upstreamFailures.sum() + " upstream connect failures, "
                + ended(RelayResult.End.IDLE_TIMEOUT) + " idle timeouts, " + ended(RelayResult.End.A_RESET)
                + " reset by the client, " + ended(RelayResult.End.B_RESET) + " reset by the upstream, "
                + notTakenIn.sum() + " not taken in)\n"
                + "  shutdown: " + resetAtDrainEnd.sum() + " connections still open at the end of the drain were "
                + "reset\n"
                + "  timeouts: " + ended(RelayResult.End.IDLE_TIMEOUT) + " idle, " + connectTimeouts.sum()
                + " connect\n"
                + "  bytes client->upstream " + clientToUpstream.sum() + ", upstream->client "
                + upstreamToClient.sum() + "\n"
                + "  directions by path: ZERO_COPY=" + directionsByPath.get(TransferPath.ZERO_COPY).sum()
                + " PORTABLE=" + directionsByPath.get(TransferPath.PORTABLE).sum()
                + "; bytes spliced " + library.bytesSpliced() + ", copied " + library.bytesCopied() + "\n"
                + "  fallbacks: " + (fallbacks.length() == 0 ? "none" : fallbacks.toString()) + "\n"
                + "  PROXY headers rejected (malformed, incomplete or late): " + proxyHeadersRejected.sum()
                + "; failed to read here (out of fds, say): " + proxyHeaderReadFailures.sum() + "\n"
                + "  TLS ClientHellos rejected (malformed, incomplete, late or not TLS): " + hellosRejected.sum()
                + "; failed to read here: " + helloReadFailures.sum() + "; server names no route took: "
                + sniRejections.sum();
    }

    /** The library's counters since the forwarder started: bytes spliced and copied, fallbacks. */
    SpliceMetrics library() {
        return Splice.metrics().minus(libraryAtStart);
    }

    /** Relay directions that ended having taken {@code path}. */
    long directions(TransferPath path) {
        return directionsByPath.get(path).sum();
    }

    long acceptedCount() {
        return accepted.sum();
    }

    long upstreamFailures() {
        return upstreamFailures.sum();
    }

    long connectTimeouts() {
        return connectTimeouts.sum();
    }

    long bytesClientToUpstream() {
        return clientToUpstream.sum();
    }

    long bytesUpstreamToClient() {
        return upstreamToClient.sum();
    }

    /** Relays that ended this way. */
    long ended(RelayResult.End end) {
        return ends.get(end).sum();
    }
}
