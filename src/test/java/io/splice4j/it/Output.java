package io.splice4j.it;

import io.splice4j.support.Digest;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The line-by-line standard output of a {@link Source}, {@link Sink} or forwarder, wherever it runs. */
interface Output {

    /** The last line of standard output so far that matches {@code pattern}, if any. */
    Optional<Matcher> last(Pattern pattern);

    /** Everything it printed so far, for failure messages. */
    String describe();

    /** Waits until it exits by itself; returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException;

    /**
     * Waits for a one-connection transfer to end (the source within 150 s, then the sink within
     * 30 s, each exiting 0), checks it with {@link #assertDelivered}, and returns the seconds since
     * {@code startNanos}, when the source was started.
     */
    static double awaitDelivered(Output source, Output sink, long startNanos, long request, long reply)
            throws InterruptedException {
        if (source.awaitExit(Duration.ofSeconds(150)) != 0) {
            throw new AssertionError("the source failed\n" + source.describe() + sink.describe());
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (sink.awaitExit(Duration.ofSeconds(30)) != 0) {
            throw new AssertionError("the sink failed\n" + sink.describe());
        }
        assertDelivered(source, sink, 0, request, reply);
        return seconds;
    }

    /** The digest on the last {@code EVENT CONN LENGTH SHA-256} line. */
    default Digest digest(String event, int conn) {
        Matcher matcher = last(Pattern.compile(event + " " + conn + " (\\d+) ([0-9a-f]{64})"))
                .orElseThrow(() -> new AssertionError("no '" + event + " " + conn + "' line\n" + describe()));
        return new Digest(Long.parseLong(matcher.group(1)), matcher.group(2));
    }

    /** The byte count on the last {@code progress CONN BYTES} line, 0 if none. */
    default long progress(int conn) {
        return last(Pattern.compile("progress " + conn + " (\\d+)")).map(m -> Long.parseLong(m.group(1))).orElse(0L);
    }

    /**
     * Checks both directions of connection {@code conn}: the source sent {@code request} bytes and
     * the sink received exactly those; the sink's reply of {@code reply} bytes reached the source.
     */
    static void assertDelivered(Output source, Output sink, int conn, long request, long reply) {
        Digest sent = source.digest("sent", conn);
        if (sent.length() != request) {
            throw new AssertionError("request length " + sent.length() + ", expected " + request);
        }
        Digest arrived = sink.digest("received", conn);
        if (!sent.equals(arrived)) {
            throw new AssertionError("request corrupted on connection " + conn + ": sent " + sent + ", arrived " + arrived);
        }
        Digest received = source.digest("received", conn);
        if (received.length() != reply) {
            throw new AssertionError("reply length " + received.length() + ", expected " + reply);
        }
        if (reply > 0 && !sink.digest("sent", conn).equals(received)) {
            throw new AssertionError("reply corrupted on connection " + conn + ": sent " + sink.digest("sent", conn)
                    + ", arrived " + received);
        }
    }

    /** Checks a forwarder's summary: {@code request} bytes went upstream, {@code reply} back, both spliced. */
    static void assertSplicedBothWays(String summary, long request, long reply) {
        if (!summary.contains("bytes client->upstream " + request + ", upstream->client " + reply)
                || !summary.contains("directions by path: ZERO_COPY=2 PORTABLE=0")) {
            throw new AssertionError("expected " + request + " bytes up and " + reply + " back, both spliced: " + summary);
        }
    }
}
