package io.splice4j;

import io.splice4j.internal.linux.EngineCore;
import io.splice4j.internal.linux.SharedEngine;
import io.splice4j.internal.linux.ZeroCopySupport;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Event loops that run many relays on few threads: each loop is one platform thread with its own
 * epoll instance, driving non-blocking {@code splice(2)} state machines, with a capped pool of
 * pipes. Virtual threads that call {@link Splice#splice} wait on the {@linkplain #shared() shared
 * engine}, parked, so they splice too.
 *
 * {@snippet :
 * try (SpliceEngine engine = SpliceEngine.builder().loops(2).build()) {
 *     Relay relay = Splice.relay(client, upstream, SpliceOptions.builder().engine(engine).build());
 *     relay.completion().join();
 * }
 * }
 *
 * <p>A relay on an engine owns its channels' fds without duplicating them (they stay registered
 * with a JDK {@code Selector}, which defers their real close), so it costs no fds beyond its two
 * sockets; a direction takes a pipe from the pool only while it has bytes to move, and copies
 * through the loop's buffer when the pool is exhausted ({@link FallbackReason#POOL_EXHAUSTED}).
 * Engines need Linux and zero-copy support ({@link Splice#zeroCopy()}).
 */
public final class SpliceEngine implements AutoCloseable {

    private static SpliceEngine shared;

    private final EngineCore core;

    private SpliceEngine(EngineCore core) {
        this.core = core;
    }

    /**
     * Returns a builder with the defaults: one loop per available processor, pipes of 256 KiB, at most
     * 1024 pipes and 64 MiB of pipe capacity (an unprivileged user's default
     * {@code pipe-user-pages-soft}).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns whether engines can run in this JVM.
     *
     * @return {@code true} where {@link Splice#zeroCopy()} is
     */
    public static boolean supported() {
        return ZeroCopySupport.status().available();
    }

    /**
     * Returns the engine shared by the JVM, which {@link Splice#relay} uses by default: started on
     * first use with the defaults, stopped by a shutdown hook, and started again if used after it was
     * closed. A start that failed is not retried for a second.
     *
     * @return the shared engine
     * @throws UnsupportedOperationException if engines can't run here
     * @throws UncheckedIOException if it can't start (e.g. no fds left)
     */
    public static SpliceEngine shared() {
        EngineCore core;
        try {
            core = SharedEngine.core();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (SpliceEngine.class) {
            if (shared == null || shared.core != core) {
                shared = new SpliceEngine(core);
            }
            return shared;
        }
    }

    EngineCore core() {
        return core;
    }

    /**
     * Returns the number of pipes open now, in use or pooled.
     *
     * @return the count over all loops
     */
    public int openPipes() {
        return core.openPipes();
    }

    /**
     * Returns the pipe capacity open now, in bytes: what the kernel charges the user for.
     *
     * @return bytes over all loops
     */
    public long openPipeBytes() {
        return core.openPipeBytes();
    }

    /**
     * Returns how often the kernel granted a new pipe less than the size asked for (above
     * {@code pipe-max-size}, or past the user's {@code pipe-user-pages-soft}, where new pipes hold
     * two pages): the pool then stops asking until a pipe is closed, and works with what it got.
     *
     * @return the count over all loops
     */
    public int pipeResizeRefusals() {
        return core.pipeResizeRefusals();
    }

    /**
     * Returns how often a relay direction found no pipe in its loop's pool and copied a chunk
     * instead ({@link FallbackReason#POOL_EXHAUSTED} counts transfers, this counts chunks).
     *
     * @return the count over all loops
     */
    public long poolExhaustions() {
        return core.poolExhaustions();
    }

    /**
     * Returns the number of event loops.
     *
     * @return the count
     */
    public int loops() {
        return core.loopCount();
    }

    /**
     * Stops the engine: every relay still running ends with
     * {@link java.nio.channels.AsynchronousCloseException} and closes its channels, then every fd the
     * engine opened is closed. Returns when all that is done.
     */
    @Override
    public void close() {
        core.close();
    }

    /** Builds a {@link SpliceEngine}. */
    public static final class Builder {
        private int loops = Runtime.getRuntime().availableProcessors();
        private int pipeSize = EngineCore.DEFAULT_PIPE_SIZE;
        private int maxPipes = EngineCore.DEFAULT_MAX_PIPES;
        private long maxPipeBytes = EngineCore.DEFAULT_MAX_PIPE_BYTES;
        private String name = "splice4j-engine";

        private Builder() {
        }

        /**
         * Sets the number of event-loop threads.
         *
         * @param loops at least one
         * @return this builder
         */
        public Builder loops(int loops) {
            this.loops = positive(loops, "loops");
            return this;
        }

        /**
         * Sets the capacity asked of each pipe (best effort: see {@link SpliceOptions#chunkSize()}).
         *
         * @param pipeSize bytes, positive
         * @return this builder
         */
        public Builder pipeSize(int pipeSize) {
            this.pipeSize = positive(pipeSize, "pipeSize");
            return this;
        }

        /**
         * Caps the pipes open at once; each costs two fds.
         *
         * @param maxPipes at least one per loop
         * @return this builder
         */
        public Builder maxPipes(int maxPipes) {
            this.maxPipes = positive(maxPipes, "maxPipes");
            return this;
        }

        /**
         * Caps the pipe capacity open at once, which the kernel charges to the user.
         *
         * @param maxPipeBytes bytes, positive
         * @return this builder
         */
        public Builder maxPipeBytes(long maxPipeBytes) {
            if (maxPipeBytes <= 0) {
                throw new IllegalArgumentException("maxPipeBytes must be positive: " + maxPipeBytes);
            }
            this.maxPipeBytes = maxPipeBytes;
            return this;
        }

        /**
         * Sets the loop threads' name prefix.
         *
         * @param name the prefix
         * @return this builder
         */
        public Builder name(String name) {
            this.name = java.util.Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Starts the engine.
         *
         * @return the running engine
         * @throws IOException if a loop can't start
         * @throws UnsupportedOperationException if engines can't run in this JVM
         */
        public SpliceEngine build() throws IOException {
            return new SpliceEngine(EngineCore.start(loops, maxPipes, maxPipeBytes, pipeSize, name));
        }

        private static int positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
