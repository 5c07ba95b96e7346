package io.splice4j.internal.linux;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * The engine shared by the JVM: started on first use, closed by a shutdown hook, and started again
 * if something needs it after it was closed. A start that fails (out of fds, say) is remembered for
 * a second, so that a burst of transfers doesn't retry it on every call; meanwhile blocking
 * transfers wait without it (docs/design.md, "Threading").
 */
public final class SharedEngine {

    private static final System.Logger LOG = System.getLogger("io.splice4j");
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static EngineCore core;
    private static IOException lastFailure;
    private static long retryAt;
    private static boolean hooked;

    private SharedEngine() {
    }

    /**
     * Returns the running shared engine, starting it if needed.
     *
     * @return the engine
     * @throws IOException if it can't start now (the failure is remembered for a second)
     * @throws UnsupportedOperationException if this JVM can't splice
     */
    public static synchronized EngineCore core() throws IOException {
        if (core != null && !core.isClosed()) {
            return core;
        }
        long now = System.nanoTime();
        if (lastFailure != null && now - retryAt < 0) {
            throw new IOException("the shared engine could not start: " + lastFailure.getMessage(), lastFailure);
        }
        try {
            core = EngineCore.start(Runtime.getRuntime().availableProcessors(), EngineCore.DEFAULT_MAX_PIPES,
                    EngineCore.DEFAULT_MAX_PIPE_BYTES, EngineCore.DEFAULT_PIPE_SIZE, "splice4j-shared");
            lastFailure = null;
        } catch (IOException e) {
            if (lastFailure == null) {
                LOG.log(Level.WARNING, "splice4j: the shared engine can''t start ({0}); transfers wait without it",
                        e.getMessage());
            }
            lastFailure = e;
            retryAt = now + RETRY_NANOS;
            throw e;
        }
        if (!hooked) {
            try {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(SharedEngine::closeCurrent));
                hooked = true;
            } catch (IllegalStateException shuttingDown) {
                // Started during shutdown: the JVM is about to end its daemon threads anyway.
            }
        }
        return core;
    }

    /**
     * Returns the shared engine if it runs or can start, else {@code null}: for transfers that can
     * wait without it.
     *
     * @return the engine, or {@code null}
     */
    public static EngineCore coreOrNull() {
        if (!ZeroCopySupport.status().available()) {
            return null;
        }
        try {
            return core();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void closeCurrent() {
        EngineCore current;
        synchronized (SharedEngine.class) {
            current = core;
        }
        if (current != null) {
            current.close();
        }
    }
}
