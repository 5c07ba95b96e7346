package io.splice4j.tool;

import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where the forwarder's relays run: on a {@link SpliceEngine} it owns, or, where engines can't run
 * (no native access, not Linux, splicing off JVM-wide), on virtual threads. Never a platform thread
 * per relay.
 */
final class RelayRunner implements AutoCloseable {

    /**
     * The pipe pool's caps. Busy directions beyond the pool copy (POOL_EXHAUSTED), so it must hold
     * a pipe for most streams that move at once: 1 000 streams with 64 pipes of 1 MiB measured a
     * sixth of the C forwarder's throughput. 512 pipes of 256 KiB cost 1 024 fds, which still leaves
     * room for 9 000 connections under a 20 000-fd limit; past {@code pipe-user-pages-soft} an
     * unprivileged user's pipes shrink and the pool takes what it gets. {@link ForwarderArgs} refuses
     * a chunk size times loops above the byte cap, where some loop could not open a single pipe.
     */
    static final long MAX_PIPE_BYTES = 128L << 20;
    private static final int MAX_PIPES = 512;

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
                : (int) Math.max(loops, Math.min(Math.min(MAX_PIPES, MAX_PIPE_BYTES / chunkSize),
                        pipesTheFdLimitAllows(loops)));
        SpliceEngine engine = SpliceEngine.builder().loops(loops).pipeSize(chunkSize).maxPipes(maxPipes)
                .maxPipeBytes(MAX_PIPE_BYTES).name("splice4j-loop").build();
        return new RelayRunner(engine, null, maxPipes);
    }

    /**
     * At most a quarter as many pipes as connections fit (HAProxy's default {@code maxpipes} is
     * {@code maxconn / 4}): each connection costs 2 fds and each pipe 2, so a low open-files limit
     * still leaves most of its fds to connections.
     */
    static long pipesTheFdLimitAllows(int loops) {
        long limit = FdBudget.softLimit(java.nio.file.Path.of("/proc/self/limits")).orElse(1024);
        return Math.max(1, (limit - FdBudget.reserve(loops)) / 8);
    }

    /** The engine that runs the relays, or empty where they run on virtual threads. */
    Optional<SpliceEngine> engine() {
        return Optional.ofNullable(engine);
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
