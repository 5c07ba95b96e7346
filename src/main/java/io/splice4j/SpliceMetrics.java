package io.splice4j;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * A snapshot of the library-wide counters, from {@link Splice#metrics()}. The counters are
 * {@link java.util.concurrent.atomic.LongAdder}s that are always on; a snapshot taken while
 * transfers run is not atomic across counters.
 *
 * @param transfersStarted transfers started, by the path they took
 * @param transfersFinished transfers that reached end-of-stream, by path
 * @param transfersFailed transfers that ended with an exception, by path
 * @param bytesSpliced bytes delivered by {@code splice(2)} (or {@code sendfile(2)}, file to socket)
 * @param bytesCopied bytes delivered by the portable path: user-space buffers, or the JDK's own
 *     {@code FileChannel.transferTo} for a file
 * @param spliceCalls {@code splice(2)} and {@code sendfile(2)} system calls made
 * @param readinessWaits times a transfer waited for a socket to become readable or writable
 * @param idleTimeouts transfers and relays ended by their {@linkplain SpliceOptions#idleTimeout() idle timeout}
 * @param fallbacks transfers that asked for {@link SpliceMode#AUTO} but copied, by reason
 */
public record SpliceMetrics(
        Map<TransferPath, Long> transfersStarted,
        Map<TransferPath, Long> transfersFinished,
        Map<TransferPath, Long> transfersFailed,
        long bytesSpliced,
        long bytesCopied,
        long spliceCalls,
        long readinessWaits,
        long idleTimeouts,
        Map<FallbackReason, Long> fallbacks) {

    /**
     * Copies the maps, filling in zero for every missing key.
     *
     * @param transfersStarted transfers started by path
     * @param transfersFinished transfers finished by path
     * @param transfersFailed transfers failed by path
     * @param bytesSpliced bytes spliced
     * @param bytesCopied bytes copied
     * @param spliceCalls splice calls
     * @param readinessWaits readiness waits
     * @param idleTimeouts idle timeouts
     * @param fallbacks fallbacks by reason
     */
    public SpliceMetrics {
        transfersStarted = complete(TransferPath.class, transfersStarted);
        transfersFinished = complete(TransferPath.class, transfersFinished);
        transfersFailed = complete(TransferPath.class, transfersFailed);
        fallbacks = complete(FallbackReason.class, fallbacks);
    }

    private static <K extends Enum<K>> Map<K, Long> complete(Class<K> type, Map<K, Long> counts) {
        Objects.requireNonNull(counts, "counts");
        return counts(type, key -> counts.getOrDefault(key, 0L));
    }

    /**
     * Returns the transfers started on one path.
     *
     * @param path the path
     * @return the count
     */
    public long transfersStarted(TransferPath path) {
        return transfersStarted.get(path);
    }

    /**
     * Returns the transfers on one path that reached end-of-stream.
     *
     * @param path the path
     * @return the count
     */
    public long transfersFinished(TransferPath path) {
        return transfersFinished.get(path);
    }

    /**
     * Returns the transfers on one path that failed.
     *
     * @param path the path
     * @return the count
     */
    public long transfersFailed(TransferPath path) {
        return transfersFailed.get(path);
    }

    /**
     * Returns the fallbacks for one reason.
     *
     * @param reason the reason
     * @return the count
     */
    public long fallbacks(FallbackReason reason) {
        return fallbacks.get(reason);
    }

    /**
     * Returns what happened between an earlier snapshot and this one.
     *
     * @param earlier a snapshot taken before this one
     * @return the differences, counter by counter
     */
    public SpliceMetrics minus(SpliceMetrics earlier) {
        return new SpliceMetrics(
                difference(TransferPath.class, transfersStarted, earlier.transfersStarted),
                difference(TransferPath.class, transfersFinished, earlier.transfersFinished),
                difference(TransferPath.class, transfersFailed, earlier.transfersFailed),
                bytesSpliced - earlier.bytesSpliced,
                bytesCopied - earlier.bytesCopied,
                spliceCalls - earlier.spliceCalls,
                readinessWaits - earlier.readinessWaits,
                idleTimeouts - earlier.idleTimeouts,
                difference(FallbackReason.class, fallbacks, earlier.fallbacks));
    }

    private static <K extends Enum<K>> Map<K, Long> difference(Class<K> type, Map<K, Long> later, Map<K, Long> earlier) {
        return counts(type, key -> later.get(key) - earlier.get(key));
    }

    private static <K extends Enum<K>> Map<K, Long> counts(Class<K> type, ToLongFunction<K> count) {
        EnumMap<K, Long> all = new EnumMap<>(type);
        for (K key : type.getEnumConstants()) {
            all.put(key, count.applyAsLong(key));
        }
        return Collections.unmodifiableMap(all);
    }
}
