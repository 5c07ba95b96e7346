package io.splice4j.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * This process's CPU time (user + system, all threads) in nanoseconds, from
 * {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)}.
 *
 * <p>Not {@code com.sun.management.OperatingSystemMXBean.getProcessCpuTime()}: on Linux that reads
 * {@code times(2)}, which moves in 10 ms ticks (measured here), coarser than a whole 64 KiB
 * operation. The kernel's process clock is exact to the nanosecond and costs one system call.
 */
final class ProcessCpu {

    /** From {@code <time.h>}; the same value on every Linux architecture. */
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

    /** {@code int clock_gettime(clockid_t clockid, struct timespec *tp)}. */
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /** {@code struct timespec { time_t tv_sec; long tv_nsec; }}, reused by the one thread that reads it. */
    private final MemorySegment timespec = Arena.ofAuto().allocate(2 * Long.BYTES, Long.BYTES);

    long nanos() {
        int rc;
        try {
            rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, timespec);
        } catch (Throwable t) {
            throw new IllegalStateException("clock_gettime failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) returned " + rc);
        }
        return timespec.get(JAVA_LONG, 0) * 1_000_000_000L + timespec.get(JAVA_LONG, Long.BYTES);
    }
}
