package io.splice4j.tool;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;

/**
 * Lets an idle forwarder give back heap it no longer uses. Every connection leaves a little garbage
 * (its channels, its connect's virtual thread), and G1 keeps growing into the fresh parts of its
 * committed heap while it collects it, so without this the RSS went up by about 20 MB with each
 * wave of 3 000 connections that came and went. G1's periodic collection (JEP 346: a concurrent
 * cycle when there was no collection for the interval, after which free regions are uncommitted)
 * makes it settle instead. It is a manageable flag, switched on here only where G1 runs and the
 * operator left it at its default; {@code -XX:G1PeriodicGCInterval=0} keeps it off.
 */
final class IdleHeapReturn {

    /** How long without a collection before an idle forwarder runs one. */
    static final String INTERVAL_MILLIS = "5000";

    private IdleHeapReturn() {
    }

    /**
     * Switches G1's periodic collection on if it can and nobody set it.
     *
     * @return whether it is on now
     */
    static boolean enable() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hotspot == null || !"true".equals(hotspot.getVMOption("UseG1GC").getValue())) {
                return false;
            }
            VMOption interval = hotspot.getVMOption("G1PeriodicGCInterval");
            if (interval.getOrigin() == VMOption.Origin.DEFAULT && "0".equals(interval.getValue())) {
                hotspot.setVMOption("G1PeriodicGCInterval", INTERVAL_MILLIS);
                return true;
            }
            return !"0".equals(interval.getValue());
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot, or no jdk.management in the module graph: the heap stays as the JVM sizes it.
            return false;
        }
    }
}
