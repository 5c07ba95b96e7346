package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Failures are logged at first, then at most once per interval, with the count left out. */
class FailureLogTest {

    @Test
    void theFirstFailureIsLoggedThenOnePerIntervalWithTheCountLeftOut() throws InterruptedException {
        FailureLog log = new FailureLog(Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertEquals("at most a line per 1s", log.failed());
        assertNull(log.failed());
        assertNull(log.failed());
        long elapsed = System.nanoTime() - start;
        if (elapsed < Duration.ofSeconds(1).toNanos()) {
            // Letting the interval pass: the behaviour under test depends on the clock, not on another thread.
            Thread.sleep(Duration.ofNanos(Duration.ofSeconds(1).toNanos() - elapsed).plusMillis(5));
        }
        assertEquals("2 more since the last line; at most a line per 1s", log.failed());
        assertNull(log.failed());
    }
}
