package io.splice4j.bench;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One platform thread that lives for a trial and runs one job per operation: the sender and the
 * reader of the benchmarks. Reusing the thread keeps thread start-up out of the measured time.
 */
abstract class Peer implements AutoCloseable {

    /** Longest any job may take: a transfer that lost bytes must fail the run, not hang it. */
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(60);

    private final ExecutorService thread;

    Peer(String name) {
        // Daemon only as a safety net: close() ends the thread at the end of each trial.
        thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name(name).daemon().factory());
    }

    final <T> Future<T> submit(Callable<T> job) {
        return thread.submit(job);
    }

    /** Waits for a job's result, rethrowing its failure, or fails after {@link #JOB_TIMEOUT}. */
    static <T> T await(Future<T> job) throws Exception {
        try {
            return job.get(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            job.cancel(true);
            throw new IllegalStateException("a peer got no end-of-stream within " + JOB_TIMEOUT
                    + ": the transfer lost bytes or stalled", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdownNow();
        if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("peer thread did not end");
        }
    }
}
