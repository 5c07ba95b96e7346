package io.splice4j.tool;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which group a client goes to by the TLS server name it asked for ({@code --sni-route}): its exact
 * name first, then a {@code *.} route for the rest of the name after its first label, then the
 * default group, if there is one. The policy alone: the names are already in lower case, as the
 * ClientHello parser and the routes' parser both leave them.
 */
final class SniRoutes {

    private final Map<String, ServerGroup> exact = new HashMap<>();
    /** Keyed by the name after {@code *.}. */
    private final Map<String, ServerGroup> wildcard = new HashMap<>();
    private final Optional<ServerGroup> fallback;

    /** @param fallback the group of clients no route takes, or empty to close them */
    SniRoutes(Optional<ServerGroup> fallback) {
        this.fallback = fallback;
    }

    /** Sends clients that ask for {@code route}'s name to {@code group}. */
    void add(SniRoute route, ServerGroup group) {
        if (route.wildcard()) {
            wildcard.put(route.name().substring(2), group);
        } else {
            exact.put(route.name(), group);
        }
    }

    /**
     * The group for a client that asked for {@code serverName}.
     *
     * @param serverName the name in lower case, or empty if the client sent none
     * @return the group, or empty if no route takes it and there is no default group
     */
    Optional<ServerGroup> route(Optional<String> serverName) {
        if (serverName.isEmpty()) {
            return fallback;
        }
        String name = serverName.get();
        ServerGroup group = exact.get(name);
        int dot = name.indexOf('.');
        if (group == null && dot > 0) {
            group = wildcard.get(name.substring(dot + 1));
        }
        return group != null ? Optional.of(group) : fallback;
    }
}
