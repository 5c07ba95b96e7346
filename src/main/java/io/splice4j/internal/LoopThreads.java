package io.splice4j.internal;

/**
 * Marks the threads of engine event loops, where nothing may wait for another loop or for a thread
 * parked on one: two loops waiting for each other, or a loop waiting for a thread that only it can
 * wake, would freeze every relay on them.
 */
public final class LoopThreads {

    private static final ThreadLocal<Boolean> LOOP = new ThreadLocal<>();

    private LoopThreads() {
    }

    /** Marks the calling thread as an event loop's, for its whole life. */
    public static void markCurrent() {
        LOOP.set(Boolean.TRUE);
    }

    /**
     * Returns whether the calling thread runs an event loop.
     *
     * @return {@code true} on a loop thread
     */
    public static boolean current() {
        return LOOP.get() != null;
    }
}
