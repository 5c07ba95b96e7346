package io.splice4j.internal.jmx;

import io.splice4j.FallbackReason;
import io.splice4j.SpliceMetrics;
import io.splice4j.TransferPath;
import io.splice4j.internal.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads each attribute from a fresh snapshot of the counters. */
final class MetricsView implements MetricsMXBean {

    @Override
    public long getTransfersStartedZeroCopy() {
        return Metrics.snapshot().transfersStarted(TransferPath.ZERO_COPY);
    }

    @Override
    public long getTransfersStartedPortable() {
        return Metrics.snapshot().transfersStarted(TransferPath.PORTABLE);
    }

    @Override
    public long getTransfersFinishedZeroCopy() {
        return Metrics.snapshot().transfersFinished(TransferPath.ZERO_COPY);
    }

    @Override
    public long getTransfersFinishedPortable() {
        return Metrics.snapshot().transfersFinished(TransferPath.PORTABLE);
    }

    @Override
    public long getTransfersFailedZeroCopy() {
        return Metrics.snapshot().transfersFailed(TransferPath.ZERO_COPY);
    }

    @Override
    public long getTransfersFailedPortable() {
        return Metrics.snapshot().transfersFailed(TransferPath.PORTABLE);
    }

    @Override
    public long getBytesSpliced() {
        return Metrics.snapshot().bytesSpliced();
    }

    @Override
    public long getBytesCopied() {
        return Metrics.snapshot().bytesCopied();
    }

    @Override
    public long getSpliceCalls() {
        return Metrics.snapshot().spliceCalls();
    }

    @Override
    public long getReadinessWaits() {
        return Metrics.snapshot().readinessWaits();
    }

    @Override
    public long getIdleTimeouts() {
        return Metrics.snapshot().idleTimeouts();
    }

    @Override
    public Map<String, Long> getFallbacks() {
        SpliceMetrics now = Metrics.snapshot();
        Map<String, Long> fallbacks = new LinkedHashMap<>();
        for (FallbackReason reason : FallbackReason.values()) {
            fallbacks.put(reason.name(), now.fallbacks(reason));
        }
        return fallbacks;
    }
}
