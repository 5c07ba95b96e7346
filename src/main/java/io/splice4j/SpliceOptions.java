package io.splice4j;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Immutable settings for a transfer. Start from {@link #defaults()} and change what you need:
 *
 * {@snippet :
 * SpliceOptions options = SpliceOptions.defaults().withChunkSize(64 * 1024).withMode(SpliceMode.ZERO_COPY);
 * }
 */
public final class SpliceOptions {

    /**
     * The default chunk size, 1 MiB: one {@code splice} call moves up to this much, and the pipe is
     * asked to hold as much (Linux's {@code pipe-max-size} default). Measured here, 1 MiB pipes moved
     * a GiB with about half the CPU of 64 KiB ones.
     */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;

    private static final SpliceOptions DEFAULTS = new Builder().build();

    private final int chunkSize;
    private final SpliceMode mode;
    private final boolean moveHint;
    private final boolean moreHint;
    private final Executor executor;
    private final SpliceEngine engine;
    private final Duration idleTimeout;

    private SpliceOptions(Builder builder) {
        this.chunkSize = builder.chunkSize;
        this.mode = builder.mode;
        this.moveHint = builder.moveHint;
        this.moreHint = builder.moreHint;
        this.executor = builder.executor;
        this.engine = builder.engine;
        this.idleTimeout = builder.idleTimeout;
    }

    /**
     * Returns the defaults: {@value #DEFAULT_CHUNK_SIZE}-byte chunks, {@link SpliceMode#AUTO}, the
     * {@code SPLICE_F_MOVE} hint on and {@code SPLICE_F_MORE} off.
     *
     * @return the default options
     */
    public static SpliceOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder holding the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding these options.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder builder = new Builder().chunkSize(chunkSize).mode(mode).moveHint(moveHint).moreHint(moreHint);
        builder.executor = executor;
        builder.engine = engine;
        builder.idleTimeout = idleTimeout;
        return builder;
    }

    /**
     * Returns these options with another chunk size.
     *
     * @param chunkSize the most bytes moved per call; positive
     * @return the new options
     * @throws IllegalArgumentException if {@code chunkSize} is not positive
     */
    public SpliceOptions withChunkSize(int chunkSize) {
        return toBuilder().chunkSize(chunkSize).build();
    }

    /**
     * Returns these options with another mode.
     *
     * @param mode the mode
     * @return the new options
     */
    public SpliceOptions withMode(SpliceMode mode) {
        return toBuilder().mode(mode).build();
    }

    /**
     * Returns the most bytes one call moves. On the zero-copy path it is also the pipe capacity asked
     * for (best effort: the kernel rounds it up to a power-of-two number of pages and caps it at
     * {@code /proc/sys/fs/pipe-max-size}); on the portable path it is the buffer size, capped at 4 MiB.
     *
     * @return the chunk size in bytes
     */
    public int chunkSize() {
        return chunkSize;
    }

    /**
     * Returns the mode.
     *
     * @return which paths a transfer may take
     */
    public SpliceMode mode() {
        return mode;
    }

    /**
     * Returns whether calls pass {@code SPLICE_F_MOVE}, a hint to move pages rather than copy them.
     *
     * @return {@code true} if the hint is passed
     */
    public boolean moveHint() {
        return moveHint;
    }

    /**
     * Returns whether calls that write to the target pass {@code SPLICE_F_MORE}. It works like
     * {@code TCP_CORK}: the kernel holds back a partial segment expecting more, which stalled
     * request-response traffic by 200 ms in other proxies, so it is off by default.
     *
     * @return {@code true} if the hint is passed
     */
    public boolean moreHint() {
        return moreHint;
    }

    /**
     * Returns the executor that runs a {@link Relay}'s two directions, if one was set and no engine
     * was: a thread (or virtual thread) per direction, for those who want one. Without either, a
     * relay runs on the {@linkplain SpliceEngine#shared() shared engine} where engines can run, and
     * on a virtual thread per direction elsewhere. Directions on virtual threads splice too, parked
     * on the shared engine while they wait.
     *
     * @return the executor, or empty for the relay's own threads
     */
    public Optional<Executor> executor() {
        return Optional.ofNullable(executor);
    }

    /**
     * Returns the engine a {@link Relay} runs on, if one was set; it then takes precedence over the
     * executor.
     *
     * @return the engine, or empty for a thread per direction
     */
    public Optional<SpliceEngine> engine() {
        return Optional.ofNullable(engine);
    }

    /**
     * Returns how long a transfer or relay may go without moving a byte before it is ended. A relay
     * counts bytes in either direction and ends with {@link RelayResult.End#IDLE_TIMEOUT}; a
     * one-direction transfer throws {@link IdleTimeoutException} (an
     * {@link java.nio.channels.InterruptedByTimeoutException}) carrying the bytes it delivered.
     * Deadlines are checked by a periodic scan, so a timeout fires up to about 50 ms late; no timer
     * or thread is created per transfer.
     *
     * @return the idle timeout, or empty for none (the default)
     */
    public Optional<Duration> idleTimeout() {
        return Optional.ofNullable(idleTimeout);
    }

    /**
     * Returns these options with an idle timeout.
     *
     * @param idleTimeout how long without a byte moved, positive; {@code null} for none
     * @return the new options
     * @throws IllegalArgumentException if {@code idleTimeout} is zero or negative
     */
    public SpliceOptions withIdleTimeout(Duration idleTimeout) {
        return toBuilder().idleTimeout(idleTimeout).build();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SpliceOptions o && chunkSize == o.chunkSize && mode == o.mode
                && moveHint == o.moveHint && moreHint == o.moreHint && Objects.equals(executor, o.executor)
                && Objects.equals(engine, o.engine) && Objects.equals(idleTimeout, o.idleTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(chunkSize, mode, moveHint, moreHint, executor, engine, idleTimeout);
    }

    @Override
    public String toString() {
        return "SpliceOptions[chunkSize=" + chunkSize + ", mode=" + mode + ", moveHint=" + moveHint
                + ", moreHint=" + moreHint + ", executor=" + executor + ", engine=" + engine + ", idleTimeout=" + idleTimeout + "]";
    }

    /** Builds {@link SpliceOptions}. Not thread-safe. */
    public static final class Builder {

        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private SpliceMode mode = SpliceMode.AUTO;
        private boolean moveHint = true;
        private boolean moreHint;
        private Executor executor;
        private SpliceEngine engine;
        private Duration idleTimeout;

        private Builder() {
        }

        /**
         * Sets the most bytes moved per call.
         *
         * @param chunkSize a positive byte count
         * @return this builder
         * @throws IllegalArgumentException if {@code chunkSize} is not positive
         */
        public Builder chunkSize(int chunkSize) {
            this.chunkSize = checkChunkSize(chunkSize);
            return this;
        }

        /**
         * Sets the mode.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder mode(SpliceMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Sets whether to pass the {@code SPLICE_F_MOVE} hint.
         *
         * @param moveHint {@code true} to pass it
         * @return this builder
         */
        public Builder moveHint(boolean moveHint) {
            this.moveHint = moveHint;
            return this;
        }

        /**
         * Sets whether to pass the {@code SPLICE_F_MORE} hint on writes to the target.
         *
         * @param moreHint {@code true} to pass it
         * @return this builder
         */
        public Builder moreHint(boolean moreHint) {
            this.moreHint = moreHint;
            return this;
        }

        /**
         * Sets the executor that runs a relay's two directions; it must run both at once.
         *
         * @param executor the executor, or {@code null} for the default (see {@link SpliceOptions#executor()})
         * @return this builder
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * Sets the engine a relay runs on.
         *
         * @param engine the engine, or {@code null} for a thread per direction
         * @return this builder
         */
        public Builder engine(SpliceEngine engine) {
            this.engine = engine;
            return this;
        }

        /**
         * Sets the idle timeout: see {@link SpliceOptions#idleTimeout()}.
         *
         * @param idleTimeout how long without a byte moved, positive; {@code null} for none
         * @return this builder
         * @throws IllegalArgumentException if {@code idleTimeout} is zero or negative
         */
        public Builder idleTimeout(Duration idleTimeout) {
            if (idleTimeout != null && (idleTimeout.isZero() || idleTimeout.isNegative())) {
                throw new IllegalArgumentException("idleTimeout must be positive: " + idleTimeout);
            }
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return immutable options
         */
        public SpliceOptions build() {
            return new SpliceOptions(this);
        }
    }

    static int checkChunkSize(int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be positive: " + chunkSize);
        }
        return chunkSize;
    }
}
