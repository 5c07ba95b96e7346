package io.splice4j.tool;

import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where the forwarder's relays run: on a {@link SpliceEngine} it owns, or, where engines can't run
 * (no native access, not Linux, splicing off JVM-wide), on virtual threads. Never a platform thread
 * per relay.
 */
final class RelayRunner implements AutoCloseable {

    /** The pipe pool's byte cap: an unprivileged user's default {@code pipe-user-pages-soft}. */
    private static final long MAX_PIPE_BYTES = 64L << 20;
    private static final int MAX_PIPES = 1024;

    private final SpliceEngine engine;
    private final ExecutorService virtualThreads;
    private final int maxPipes;

    private RelayRunner(SpliceEngine engine, ExecutorService virtualThreads, int maxPipes) {
        this.engine = engine;
        this.virtualThreads = virtualThreads;
        this.maxPipes = maxPipes;
    }

    /** Starts an engine with {@code loops} loops and pipes of {@code chunkSize}, or virtual threads. */
    static RelayRunner start(int loops, int chunkSize, SpliceMode mode) throws IOException {
        if (!SpliceEngine.supported()) {
            return new RelayRunner(null, Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("splice4j-relay-", 0).factory()), 0);
        }
        // Capping the count as well as the bytes keeps the pool's fds known in advance, even where
        // the kernel hands out smaller pipes than asked (then the byte cap alone would allow more).
        int maxPipes = mode == SpliceMode.PORTABLE ? loops
                : (int) Math.max(loops, Math.min(MAX_PIPES, MAX_PIPE_BYTES / chunkSize));
        SpliceEngine engine = SpliceEngine.builder().loops(loops).pipeSize(chunkSize).maxPipes(maxPipes)
                .maxPipeBytes(MAX_PIPE_BYTES).name("splice4j-loop").build();
        return new RelayRunner(engine, null, maxPipes);
    }

    /** Options for relays run here, on top of {@code options}. */
    SpliceOptions options(SpliceOptions options) {
        return engine != null ? options.toBuilder().engine(engine).build()
                : options.toBuilder().executor(virtualThreads).build();
    }

    /** The most fds the engine's pipe pool can hold. */
    int pipeFds() {
        return 2 * maxPipes;
    }

    /** For the start line: what runs the relays. */
    String describe() {
        return engine != null ? engine.loops() + " event loops" : "virtual threads (no engine without zero-copy)";
    }

    /** Stops the engine, ending relays still running, or lets the virtual threads finish on their own. */
    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        } else {
            virtualThreads.shutdown();
        }
    }
}
