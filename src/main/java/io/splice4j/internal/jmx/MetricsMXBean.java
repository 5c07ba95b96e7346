package io.splice4j.internal.jmx;

import java.util.Map;

/**
 * The library-wide counters of {@link io.splice4j.Splice#metrics()}, as the MBean
 * {@code io.splice4j:type=Metrics}.
 */
public interface MetricsMXBean {

    /** @return transfers (and relay directions) started on the zero-copy path */
    long getTransfersStartedZeroCopy();

    /** @return transfers started on the portable path */
    long getTransfersStartedPortable();

    /** @return zero-copy transfers that reached end-of-stream */
    long getTransfersFinishedZeroCopy();

    /** @return portable transfers that reached end-of-stream */
    long getTransfersFinishedPortable();

    /** @return zero-copy transfers that ended with an exception */
    long getTransfersFailedZeroCopy();

    /** @return portable transfers that ended with an exception */
    long getTransfersFailedPortable();

    /** @return bytes delivered by {@code splice(2)} or {@code sendfile(2)} */
    long getBytesSpliced();

    /** @return bytes delivered by the portable path */
    long getBytesCopied();

    /** @return {@code splice(2)} and {@code sendfile(2)} calls made */
    long getSpliceCalls();

    /** @return waits for a socket to become readable or writable */
    long getReadinessWaits();

    /** @return transfers and relays ended by their idle timeout */
    long getIdleTimeouts();

    /** @return transfers that asked for zero-copy but copied, by reason (every reason present) */
    Map<String, Long> getFallbacks();
}
