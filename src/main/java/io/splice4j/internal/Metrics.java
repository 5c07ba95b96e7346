package io.splice4j.internal;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceMetrics;
import io.splice4j.TransferPath;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The library-wide counters behind {@link io.splice4j.Splice#metrics()}. */
public final class Metrics {

    private static final LongAdder[] STARTED = adders(TransferPath.values().length);
    private static final LongAdder[] FINISHED = adders(TransferPath.values().length);
    private static final LongAdder[] FAILED = adders(TransferPath.values().length);
    private static final LongAdder[] FALLBACKS = adders(FallbackReason.values().length);
    private static final LongAdder BYTES_SPLICED = new LongAdder();
    private static final LongAdder BYTES_COPIED = new LongAdder();
    private static final LongAdder SPLICE_CALLS = new LongAdder();
    private static final LongAdder READINESS_WAITS = new LongAdder();
    private static final LongAdder IDLE_TIMEOUTS = new LongAdder();

    static {
        // First use of the library: from here on the counters are visible over JMX too.
        io.splice4j.internal.jmx.Jmx.registerMetrics();
    }

    private Metrics() {
    }

    private static LongAdder[] adders(int count) {
        LongAdder[] adders = new LongAdder[count];
        for (int i = 0; i < count; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    /**
     * Counts a transfer starting on a path.
     *
     * @param path the path
     */
    public static void started(TransferPath path) {
        STARTED[path.ordinal()].increment();
    }

    /**
     * Counts a transfer reaching end-of-stream.
     *
     * @param path the path
     */
    public static void finished(TransferPath path) {
        FINISHED[path.ordinal()].increment();
    }

    /**
     * Counts a transfer failing.
     *
     * @param path the path
     */
    public static void failed(TransferPath path) {
        FAILED[path.ordinal()].increment();
    }

    /**
     * Counts a fallback to the portable path.
     *
     * @param reason why
     */
    public static void fallback(FallbackReason reason) {
        FALLBACKS[reason.ordinal()].increment();
    }

    /**
     * Counts bytes delivered on a path.
     *
     * @param path the path
     * @param bytes the bytes
     */
    public static void delivered(TransferPath path, long bytes) {
        (path == TransferPath.ZERO_COPY ? BYTES_SPLICED : BYTES_COPIED).add(bytes);
    }

    /** Counts one {@code splice(2)} call. */
    public static void spliceCall() {
        SPLICE_CALLS.increment();
    }

    /** Counts one wait for readiness. */
    public static void readinessWait() {
        READINESS_WAITS.increment();
    }

    /** Counts a transfer or relay ended by its idle timeout. */
    public static void idleTimeout() {
        IDLE_TIMEOUTS.increment();
    }

    /**
     * Takes a snapshot.
     *
     * @return the counters now
     */
    public static SpliceMetrics snapshot() {
        return new SpliceMetrics(sums(TransferPath.values(), STARTED), sums(TransferPath.values(), FINISHED),
                sums(TransferPath.values(), FAILED), BYTES_SPLICED.sum(), BYTES_COPIED.sum(), SPLICE_CALLS.sum(),
                READINESS_WAITS.sum(), IDLE_TIMEOUTS.sum(), sums(FallbackReason.values(), FALLBACKS));
    }

    private static <K extends Enum<K>> Map<K, Long> sums(K[] keys, LongAdder[] adders) {
        EnumMap<K, Long> sums = new EnumMap<>(keys[0].getDeclaringClass());
        for (K key : keys) {
            sums.put(key, adders[key.ordinal()].sum());
        }
        return sums;
    }
}
