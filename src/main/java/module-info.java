/**
 * splice4j: zero-copy socket-to-socket transfers with Linux {@code splice(2)} through
 * {@code java.lang.foreign}, and a fast portable fallback. Start at {@link io.splice4j.Splice}.
 */
module io.splice4j {
    exports io.splice4j;
    exports io.splice4j.linux;

    // The MBeans and the forwarder's self-check use it where present and cope without it. The
    // library's beans are dynamic; the forwarder's is an MXBean, whose interface JMX must read.
    requires static java.management;
    // The forwarder switches G1's periodic collection on through HotSpot's diagnostic MXBean.
    requires static jdk.management;
    exports io.splice4j.tool to java.management;

    // The io.splice4j.Transfer, Relay and Engine events; every JDK build ships the module.
    requires jdk.jfr;

    // The forwarder's --keepalive timings (jdk.net.ExtendedSocketOptions). Static: the library needs
    // none of it, and java -jar loads it anyway; elsewhere the flag names the module to add.
    requires static jdk.net;

    // The forwarder's --metrics-listen endpoint (com.sun.net.httpserver), static for the same reason.
    requires static jdk.httpserver;

    // The forwarder's SIGTERM/SIGINT handling (sun.misc.Signal); without it, signals end the JVM
    // through its shutdown hooks.
    requires static jdk.unsupported;
}
