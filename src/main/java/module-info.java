/**
 * splice4j: zero-copy socket-to-socket transfers with Linux {@code splice(2)} through
 * {@code java.lang.foreign}, and a fast portable fallback. Start at {@link io.splice4j.Splice}.
 */
module io.splice4j {
    exports io.splice4j;
    exports io.splice4j.linux;

    // The MBeans (io.splice4j.internal.jmx) and the forwarder's self-check use it where present and
    // cope without it; the MXBean interfaces must be accessible to it.
    requires static java.management;
    exports io.splice4j.internal.jmx to java.management;

    // The io.splice4j.Transfer, Relay and Engine events; every JDK build ships the module.
    requires jdk.jfr;
}
