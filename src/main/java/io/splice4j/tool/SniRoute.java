package io.splice4j.tool;

import io.splice4j.internal.tls.DnsName;
import java.net.SocketAddress;

/**
 * One {@code --sni-route NAME=ENDPOINT}: clients whose TLS ClientHello names {@code NAME} go to
 * {@code ENDPOINT}, a server or a group of {@code --connect} servers.
 *
 * @param name the server name in lower case, or {@code *.} and a name for any name one label longer
 * @param target where its clients go
 */
record SniRoute(String name, Target target) {

    /** Where a route's clients go. */
    sealed interface Target permits ToGroup, ToServer {
    }

    /**
     * To the {@code --connect NAME=ADDRESS} servers of a group.
     *
     * @param group the group's name
     */
    record ToGroup(String group) implements Target {
    }

    /**
     * To one server: one of the {@code --connect} servers if it has this address, else a server of
     * the route's own.
     *
     * @param address where to connect
     */
    record ToServer(SocketAddress address) implements Target {
    }

    private static final String WILDCARD = "*.";

    /** Whether it takes any name one label longer than the rest of its own ({@code *.example.com}). */
    boolean wildcard() {
        return name.startsWith(WILDCARD);
    }

    /** For the start line: {@code api.example.com -> group api}, {@code *.example.com -> /10.0.0.9:443}. */
    String describe() {
        return name + " -> " + switch (target) {
            case ToGroup group -> "group " + group.group();
            case ToServer server -> Endpoints.text(server.address());
        };
    }

    /**
     * Reads {@code NAME=ENDPOINT}: a name as SNI carries it (a DNS name; any case, compared without
     * it), or {@code *.} and one; then {@code HOST:PORT}, {@code unix:/path} or a group's name.
     *
     * @throws IllegalArgumentException with a message for people if it is neither
     */
    static SniRoute parse(String text) {
        int equals = text.indexOf('=');
        if (equals < 0) {
            throw new IllegalArgumentException("--sni-route wants NAME=ENDPOINT (a server name or *.name, then "
                    + "HOST:PORT, unix:/path or a --connect group's NAME), got " + ArgText.quoted(text));
        }
        String name = text.substring(0, equals);
        String dnsName = name.startsWith(WILDCARD) ? name.substring(WILDCARD.length()) : name;
        String problem = DnsName.problem(dnsName);
        if (problem != null) {
            throw new IllegalArgumentException("--sni-route: " + ArgText.quoted(name) + " is no server name"
                    + (dnsName.equals(name) ? "" : " after '*.'") + ": " + problem);
        }
        String endpoint = text.substring(equals + 1);
        // HOST:PORT and unix:/path hold a colon; a group's name can't.
        if (endpoint.indexOf(':') < 0) {
            if (!UpstreamOptions.GROUP.matcher(endpoint).matches()) {
                throw new IllegalArgumentException("--sni-route wants HOST:PORT, unix:/path or a group's NAME "
                        + "(letters, digits, '.', '-' and '_') after '=', got " + ArgText.quoted(text));
            }
            return new SniRoute(DnsName.canonical(name), new ToGroup(endpoint));
        }
        return new SniRoute(DnsName.canonical(name), new ToServer(Endpoints.parse("--sni-route", endpoint)));
    }
}
