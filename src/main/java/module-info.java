/**
 * splice4j: zero-copy socket-to-socket transfers with Linux {@code splice(2)} through
 * {@code java.lang.foreign}, and a fast portable fallback. Start at {@link io.splice4j.Splice}.
 */
module io.splice4j {
    exports io.splice4j;
    exports io.splice4j.linux;

    // The MBeans (io.splice4j.internal.jmx, dynamic, so nothing is exported to it) and the
    // forwarder's self-check use it where present and cope without it.
    requires static java.management;

    // The io.splice4j.Transfer, Relay and Engine events; every JDK build ships the module.
    requires jdk.jfr;
}
