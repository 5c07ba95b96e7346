package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server's state on a clock of the test's: back-offs without active checks, two in a row with them. */
class ServerHealthTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** Away from zero, and near the wrap of nanoTime: times are compared by difference. */
    private static final long T0 = Long.MAX_VALUE - 10 * SECOND;

    @Test
    void aServerThatKeepsFailingIsTriedAfterBackOffsFromOneSecondDoublingToThirty() {
        ServerHealth health = new ServerHealth(false);
        assertTrue(health.up());
        assertEquals(ServerHealth.Change.DOWN, health.connectFailed(T0));
        List<Long> gaps = new ArrayList<>();
        long now = T0;
        long lastTrial = T0;
        // Step by 100 ms and send a client whenever the server takes one: each is a trial, which fails.
        while (gaps.size() < 8) {
            now += SECOND / 10;
            if (health.admits(now)) {
                gaps.add((now - lastTrial) / (SECOND / 10));
                lastTrial = now;
                health.sent(now);
                assertEquals(ServerHealth.Change.NONE, health.connectFailed(now), "down already: no second line");
            }
        }
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L), gaps, "tenths of a second between trials");
        assertFalse(health.up());
    }

    @Test
    void oneTrialAtATimeAndASuccessBringsTheServerBack() {
        ServerHealth health = new ServerHealth(false);
        health.connectFailed(T0);
        assertFalse(health.admits(T0 + SECOND - 1));
        assertTrue(health.admits(T0 + SECOND));
        health.sent(T0 + SECOND);
        assertFalse(health.admits(T0 + SECOND), "the next client waits for the trial's outcome or the next back-off");
        assertEquals(ServerHealth.Change.UP, health.connected());
        assertTrue(health.up());
        assertTrue(health.admits(T0 + SECOND));
        assertEquals(ServerHealth.Change.NONE, health.connected(), "up already");
        // Down again: the back-off starts over at one second.
        assertEquals(ServerHealth.Change.DOWN, health.connectFailed(T0 + 5 * SECOND));
        assertFalse(health.admits(T0 + 6 * SECOND - 1));
        assertTrue(health.admits(T0 + 6 * SECOND));
    }

    @Test
    void failuresOfClientsSentBeforeTheServerWentDownLeaveItsBackOffAlone() {
        ServerHealth health = new ServerHealth(false);
        health.connectFailed(T0);
        for (int i = 1; i <= 9; i++) {
            assertEquals(ServerHealth.Change.NONE, health.connectFailed(T0 + i * SECOND / 10));
        }
        assertTrue(health.admits(T0 + SECOND), "still one second after it went down");
    }

    @Test
    void withActiveChecksTwoInARowChangeTheStateAndNothingElseBringsItBack() {
        ServerHealth health = new ServerHealth(true);
        assertEquals(ServerHealth.Change.NONE, health.checked(false));
        assertEquals(ServerHealth.Change.NONE, health.checked(true), "a good check breaks the run");
        assertEquals(ServerHealth.Change.NONE, health.checked(false));
        assertEquals(ServerHealth.Change.DOWN, health.checked(false));
        assertEquals(ServerHealth.Change.NONE, health.checked(false));
        assertFalse(health.admits(T0 + 3600 * SECOND), "no back-off brings it back");
        assertEquals(ServerHealth.Change.NONE, health.connected(), "nor a client that connected");
        assertEquals(ServerHealth.Change.NONE, health.checked(true));
        assertEquals(ServerHealth.Change.NONE, health.checked(false), "a failed check breaks the run");
        assertEquals(ServerHealth.Change.NONE, health.checked(true));
        assertEquals(ServerHealth.Change.UP, health.checked(true));
        assertEquals(ServerHealth.Change.NONE, health.checked(true));
        assertTrue(health.up());
    }

    @Test
    void withActiveChecksAFailedConnectTakesTheServerDownAtOnceAndTwoGoodChecksBringItBack() {
        ServerHealth health = new ServerHealth(true);
        health.checked(true);
        assertEquals(ServerHealth.Change.DOWN, health.connectFailed(T0));
        assertEquals(ServerHealth.Change.NONE, health.checked(true), "the good check before the failure counts not");
        assertEquals(ServerHealth.Change.UP, health.checked(true));
    }
}
