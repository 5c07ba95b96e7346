package io.splice4j.tool;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The forwarder's MBean and its registration. Registered synchronously, before the first client:
 * the first registration starts the platform MBean server (a few hundred milliseconds and ~10 MB),
 * which must not land on traffic. {@code -Dsplice4j.jmx=false}, or a runtime without
 * {@code java.management}, registers nothing; a failure is logged and forwarding goes on.
 */
final class ForwarderBean implements ForwarderMXBean, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.splice4j");

    private final ForwarderStats stats;
    private final LongSupplier openConnections;
    private final LongSupplier limitReached;
    private final Supplier<List<ServerFigures>> upstreams;
    private Object registeredName;

    private ForwarderBean(ForwarderStats stats, LongSupplier openConnections, LongSupplier limitReached,
            Supplier<List<ServerFigures>> upstreams) {
        this.stats = stats;
        this.openConnections = openConnections;
        this.limitReached = limitReached;
        this.upstreams = upstreams;
    }

    /** Registers the bean as {@code io.splice4j:type=Forwarder,name=<listenName>} where JMX is on. */
    static ForwarderBean register(String listenName, ForwarderStats stats, LongSupplier openConnections,
            LongSupplier limitReached, Supplier<List<ServerFigures>> upstreams) {
        ForwarderBean bean = new ForwarderBean(stats, openConnections, limitReached, upstreams);
        if (!"false".equalsIgnoreCase(System.getProperty("splice4j.jmx"))
                && ModuleLayer.boot().findModule("java.management").isPresent()) {
            bean.registeredName = Registrar.register(bean, listenName);
        }
        return bean;
    }

    /** Unregisters the bean; does nothing if it never registered. */
    @Override
    public void close() {
        if (registeredName != null) {
            Registrar.unregister(registeredName);
            registeredName = null;
        }
    }

    /** The {@code javax.management} calls, in a class of their own so the bean loads without the module. */
    private static final class Registrar {

        static Object register(ForwarderBean bean, String listenName) {
            try {
                javax.management.ObjectName name = new javax.management.ObjectName(
                        "io.splice4j:type=Forwarder,name=" + javax.management.ObjectName.quote(listenName));
                java.lang.management.ManagementFactory.getPlatformMBeanServer().registerMBean(bean, name);
                return name;
            } catch (javax.management.JMException | RuntimeException e) {
                LOG.log(Level.WARNING, "splice4j forwarder: MBean not registered", e);
                return null;
            }
        }

        static void unregister(Object name) {
            try {
                java.lang.management.ManagementFactory.getPlatformMBeanServer()
                        .unregisterMBean((javax.management.ObjectName) name);
            } catch (javax.management.JMException | RuntimeException e) {
                LOG.log(Level.DEBUG, "splice4j forwarder: MBean not unregistered", e);
            }
        }
    }

    @Override
    public long getAccepted() {
        return stats.acceptedCount();
    }

    @Override
    public long getOpenConnections() {
        return openConnections.getAsLong();
    }

    @Override
    public long getEndedCOMPLETED() {
        return stats.ended(io.splice4j.RelayResult.End.COMPLETED);
    }

    @Override
    public long getEndedFAILED() {
        return stats.ended(io.splice4j.RelayResult.End.FAILED);
    }

    @Override
    public long getEndedCLOSED() {
        return stats.ended(io.splice4j.RelayResult.End.CLOSED);
    }

    @Override
    public long getEndedIDLE_TIMEOUT() {
        return stats.ended(io.splice4j.RelayResult.End.IDLE_TIMEOUT);
    }

    @Override
    public long getResetByClient() {
        return stats.ended(io.splice4j.RelayResult.End.A_RESET);
    }

    @Override
    public long getResetByUpstream() {
        return stats.ended(io.splice4j.RelayResult.End.B_RESET);
    }

    @Override
    public long getUpstreamFailures() {
        return stats.upstreamFailures();
    }

    @Override
    public long getConnectTimeouts() {
        return stats.connectTimeouts();
    }

    @Override
    public long getProxyHeadersRejected() {
        return stats.proxyHeadersRejected();
    }

    @Override
    public long getProxyHeaderReadFailures() {
        return stats.proxyHeaderReadFailures();
    }

    @Override
    public long getTlsHellosRejected() {
        return stats.hellosRejected();
    }

    @Override
    public long getTlsHelloReadFailures() {
        return stats.helloReadFailures();
    }

    @Override
    public long getSniRejections() {
        return stats.sniRejections();
    }

    @Override
    public long getBytesClientToUpstream() {
        return stats.bytesClientToUpstream();
    }

    @Override
    public long getBytesUpstreamToClient() {
        return stats.bytesUpstreamToClient();
    }

    @Override
    public long getLimitReached() {
        return limitReached.getAsLong();
    }

    @Override
    public List<ServerFigures> getUpstreams() {
        return upstreams.get();
    }
}
