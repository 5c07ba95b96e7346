package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The library closes every fd it opens, on clean ends and on failures alike. */
class FdHygieneTest {

    private static final SpliceMode[] MODES = {SpliceMode.ZERO_COPY, SpliceMode.PORTABLE};

    @Test
    void thousandTransfersIncludingFailingOnesLeaveNoFdOpen() throws Exception {
        var fds = FdBaseline.take();
        int transfers = 0;
        for (int round = 0; transfers < 1000; round++) {
            transfers += oneOfEach(MODES[round % 2], round);
        }
        FdBaseline.assertNoLeak(fds);
    }

    /** Eight clean transfers of varied sizes, one source reset, one target reset. */
    private static int oneOfEach(SpliceMode mode, int round) throws Exception {
        for (int i = 0; i < 8; i++) {
            TransferScenarios.completes(mode, (round * 7919L + i * 104_729L) % 200_000);
        }
        TransferScenarios.sourceResetMidTransfer(mode, 10_000 + round);
        TransferScenarios.targetResetMidTransfer(mode, 65_536);
        return 10;
    }
}
