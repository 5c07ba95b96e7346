package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The acceptor's side of --max-connections: waiting at the limit, episodes, and closing. */
class ConnectionLimitTest {

    @Test
    @Timeout(30)
    void atTheLimitTheAcceptorWaitsUntilAConnectionEnds() throws Exception {
        ConnectionLimit limit = new ConnectionLimit(2);
        assertTrue(limit.awaitPlace());
        limit.opened();
        assertTrue(limit.awaitPlace());
        limit.opened();
        Waiting acceptor = Waiting.start(limit);
        assertFalse(acceptor.result.isDone(), "no place while 2 of 2 are open");
        assertTrue(limit.pausing(), "an episode at the limit started");
        limit.release();
        assertTrue(acceptor.result.get(10, TimeUnit.SECONDS), "a place is free again");
        assertTrue(limit.pausing(), "the episode lasts until the backlog is found empty");
        limit.drained();
        assertFalse(limit.pausing());
        assertTrue(limit.summary().startsWith("limit 2 connections: reached 1 times, clients waited "),
                limit.summary());
        assertTrue(limit.summary().endsWith("; at most 2 open at once"), limit.summary());
    }

    @Test
    @Timeout(30)
    void closingStopsAWaitingAcceptor() throws Exception {
        ConnectionLimit limit = new ConnectionLimit(1);
        assertTrue(limit.awaitPlace());
        limit.opened();
        Waiting acceptor = Waiting.start(limit);
        limit.close();
        assertFalse(acceptor.result.get(10, TimeUnit.SECONDS), "stop accepting");
        assertFalse(limit.awaitPlace(), "and it stays closed");
    }

    @Test
    @Timeout(30)
    void awaitNoneOpenReturnsWhenTheLastConnectionEndsOrTheTimeIsUp() throws Exception {
        ConnectionLimit limit = new ConnectionLimit(5);
        limit.opened();
        assertFalse(limit.awaitNoneOpen(TimeUnit.MILLISECONDS.toNanos(50)), "one is still open");
        CompletableFuture<Boolean> none = CompletableFuture.supplyAsync(() -> {
            try {
                return limit.awaitNoneOpen(TimeUnit.SECONDS.toNanos(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        limit.release();
        assertTrue(none.get(10, TimeUnit.SECONDS));
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
