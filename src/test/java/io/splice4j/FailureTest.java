package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Failures are reported, not swallowed, and the byte counts stay honest on both paths. */
class FailureTest {

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void peerResetOfTheSourceIsReported(SpliceMode mode) throws Exception {
        SpliceMetrics before = Splice.metrics();
        TransferScenarios.sourceResetMidTransfer(mode, 100_000);
        TransferPath path = mode == SpliceMode.ZERO_COPY ? TransferPath.ZERO_COPY : TransferPath.PORTABLE;
        assertEquals(1, Splice.metrics().minus(before).transfersFailed(path));
    }

    @ParameterizedTest
    @EnumSource(value = SpliceMode.class, names = {"ZERO_COPY", "PORTABLE"})
    void resetOfTheTargetIsReported(SpliceMode mode) throws Exception {
        TransferScenarios.targetResetMidTransfer(mode, 1 << 20);
    }
}
