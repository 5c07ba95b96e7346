package io.splice4j.tool;

import java.lang.management.ManagementFactory;

/**
 * The calling thread's CPU time, for separating the self-check's own source and sink from the
 * forwarder. Zero where the java.management module isn't present (a trimmed runtime).
 */
final class ThreadCpu {

    private ThreadCpu() {
    }

    static long now() {
        try {
            return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        } catch (LinkageError | UnsupportedOperationException e) {
            return 0;
        }
    }
}
