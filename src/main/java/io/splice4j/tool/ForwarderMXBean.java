package io.splice4j.tool;

import java.util.List;

/**
 * A running forwarder's counters, registered as {@code io.splice4j:type=Forwarder,name=<listen
 * address>} on the platform MBean server while it listens. Counts are since the forwarder started.
 */
public interface ForwarderMXBean {

    /** @return clients accepted */
    long getAccepted();

    /** @return connections accepted and not yet closed */
    long getOpenConnections();

    /** @return relays whose both directions passed their end-of-stream on */
    long getEndedCOMPLETED();

    /** @return relays ended by a failure */
    long getEndedFAILED();

    /** @return relays closed by the forwarder (at shutdown, say) */
    long getEndedCLOSED();

    /** @return relays ended by {@code --idle-timeout} */
    long getEndedIDLE_TIMEOUT();

    /** @return relays ended because the client's connection broke (reset, or another error on it) */
    long getResetByClient();

    /** @return relays ended because the upstream's connection broke */
    long getResetByUpstream();

    /** @return clients closed because the upstream could not be reached */
    long getUpstreamFailures();

    /** @return of those, the connects that ran out of {@code --connect-timeout} */
    long getConnectTimeouts();

    /** @return clients closed for a malformed, incomplete or late PROXY header */
    long getProxyHeadersRejected();

    /** @return clients closed because reading their PROXY header failed on the forwarder's side (out of fds, say) */
    long getProxyHeaderReadFailures();

    /** @return clients closed for a malformed, incomplete or late TLS ClientHello, or none at all */
    long getTlsHellosRejected();

    /** @return clients closed because reading their TLS ClientHello failed on the forwarder's side */
    long getTlsHelloReadFailures();

    /** @return clients closed because no route took the TLS server name they asked for, and no default group */
    long getSniRejections();

    /** @return bytes relayed from clients to the upstream */
    long getBytesClientToUpstream();

    /** @return bytes relayed from the upstream to clients */
    long getBytesUpstreamToClient();

    /** @return times the forwarder stopped accepting at its connection limit */
    long getLimitReached();

    /** @return each upstream server's figures, in the order given on the command line */
    List<ServerFigures> getUpstreams();

    /**
     * One upstream server's figures.
     *
     * @param server its address: {@code /host:port} or {@code unix:/path}
     * @param group the name of its group, or empty for the default group and a server that only
     *     {@code --sni-route} names
     * @param state {@code up} or {@code down}
     * @param activeConnections clients on it now: connecting or relayed
     * @param connectsFailed clients' connects to it that failed or timed out
     */
    record ServerFigures(String server, String group, String state, int activeConnections, long connectsFailed) {
    }
}
