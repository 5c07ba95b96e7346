package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The acceptor's side of --max-connections: waiting at the limit, episodes, and stopping. */
class ConnectionLimitTest {

    @Test
    @Timeout(30)
    void atTheLimitTheAcceptorWaitsUntilAConnectionEnds() throws Exception {
        AtomicLong clock = new AtomicLong();
        ConnectionLimit limit = new ConnectionLimit(2, clock::get);
        assertTrue(limit.awaitPlace());
        limit.opened();
        assertTrue(limit.awaitPlace());
        limit.opened();
        Waiting acceptor = Waiting.start(limit);
        assertFalse(acceptor.result.isDone(), "no place while 2 of 2 are open");
        assertEquals(1, limit.episodes(), "an episode at the limit started");
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
        limit.release();
        assertTrue(acceptor.result.get(10, TimeUnit.SECONDS), "a place is free again");
        assertTrue(limit.summary().startsWith("limit 2 connections: reached 1 times, clients waited 0.3 s"),
                limit.summary());
        assertTrue(limit.summary().endsWith("; at most 2 open at once"), limit.summary());
    }

    /**
     * A server at its limit where each ending connection lets the next client in is one episode:
     * it ends only once the limit has gone unreached for {@link ConnectionLimit#QUIET_NANOS}.
     */
    @Test
    @Timeout(30)
    void aClientCyclingAtTheLimitIsOneEpisode() throws Exception {
        AtomicLong clock = new AtomicLong();
        ConnectionLimit limit = new ConnectionLimit(1, clock::get);
        for (int cycle = 0; cycle < 50; cycle++) {
            assertTrue(limit.awaitPlace());
            limit.opened();
            Waiting acceptor = Waiting.start(limit);
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
            limit.release();
            assertTrue(acceptor.result.get(10, TimeUnit.SECONDS));
            assertTrue(limit.endEpisodeIfQuiet() > 0, "the episode goes on, cycle " + cycle);
        }
        assertEquals(1, limit.episodes(), "50 cycles at the limit");
        clock.addAndGet(ConnectionLimit.QUIET_NANOS);
        assertEquals(-1, limit.endEpisodeIfQuiet(), "a quiet second ends it");
        assertEquals(-1, limit.endEpisodeIfQuiet(), "and none runs now");
        assertTrue(limit.awaitPlace());
        limit.opened();
        Waiting.start(limit);
        assertEquals(2, limit.episodes(), "reaching the limit again starts the next one");
        limit.stopAccepting();
    }

    @Test
    @Timeout(30)
    void stoppingEndsAWaitingAcceptor() throws Exception {
        ConnectionLimit limit = new ConnectionLimit(1);
        assertTrue(limit.awaitPlace());
        limit.opened();
        Waiting acceptor = Waiting.start(limit);
        limit.stopAccepting();
        assertFalse(acceptor.result.get(10, TimeUnit.SECONDS), "no place, and no more waiting for one");
        limit.release();
        assertTrue(limit.awaitPlace(), "stopped, it still says when a place is free (the drain takes the backlog)");
    }

    @Test
    @Timeout(30)
    void awaitNoneOpenReturnsWhenTheLastConnectionEndsTheTimeIsUpOrTheWaitIsCut() throws Exception {
        ConnectionLimit limit = new ConnectionLimit(5);
        limit.opened();
        assertFalse(limit.awaitNoneOpen(TimeUnit.MILLISECONDS.toNanos(50)), "one is still open");
        CompletableFuture<Boolean> none = awaitNoneOpen(limit);
        limit.release();
        assertTrue(none.get(10, TimeUnit.SECONDS));

        limit.opened();
        CompletableFuture<Boolean> cut = awaitNoneOpen(limit);
        limit.cutWaits();
        assertFalse(cut.get(10, TimeUnit.SECONDS), "cut short with one open");
    }

    private static CompletableFuture<Boolean> awaitNoneOpen(ConnectionLimit limit) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return limit.awaitNoneOpen(TimeUnit.SECONDS.toNanos(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** An acceptor thread in {@link ConnectionLimit#awaitPlace()}, started and seen waiting. */
    private record Waiting(Thread thread, CompletableFuture<Boolean> result) {

        static Waiting start(ConnectionLimit limit) throws InterruptedException {
            CompletableFuture<Boolean> result = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    result.complete(limit.awaitPlace());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            // The wait is in Object.wait(): the thread's state says when it has got there.
            while (thread.getState() != Thread.State.WAITING && !result.isDone()) {
                Thread.onSpinWait();
            }
            return new Waiting(thread, result);
        }
    }
}
