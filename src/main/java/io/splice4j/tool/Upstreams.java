package io.splice4j.tool;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The forwarder's upstream servers in their groups: the default group, which serves every client not
 * routed elsewhere, the named ones, and a group of one for each server a {@code --sni-route} names
 * by its address; and the routes by TLS server name ({@link SniRoutes}). Hands out each client's
 * {@link UpstreamAttempts}, and describes the servers for the start line, the summary and the MBean.
 */
final class Upstreams {

    private final UpstreamOptions options;
    private final List<UpstreamServer> servers;
    private final Optional<ServerGroup> defaultGroup;
    private final Map<String, ServerGroup> named;
    private final SniRoutes routes;

    /**
     * @param options at least one server in the default group, or a route ({@link UpstreamOptions#check()})
     * @param clock now, in nanoseconds ({@link System#nanoTime()} but in tests)
     */
    Upstreams(UpstreamOptions options, LongSupplier clock) {
        this.options = options;
        List<UpstreamServer> all = new ArrayList<>();
        Map<Optional<String>, List<UpstreamServer>> byGroup = new LinkedHashMap<>();
        for (UpstreamOptions.Server spec : options.servers()) {
            UpstreamServer server = new UpstreamServer(spec, options.healthCheck().isPresent(), clock);
            all.add(server);
            byGroup.computeIfAbsent(spec.group(), group -> new ArrayList<>()).add(server);
        }
        Map<String, ServerGroup> groups = new LinkedHashMap<>();
        ServerGroup unnamed = null;
        for (Map.Entry<Optional<String>, List<UpstreamServer>> group : byGroup.entrySet()) {
            ServerGroup made = new ServerGroup(group.getKey(), group.getValue(), options.balance(), clock);
            if (group.getKey().isEmpty()) {
                unnamed = made;
            } else {
                groups.put(group.getKey().get(), made);
            }
        }
        if (unnamed == null && options.routes().isEmpty()) {
            throw new IllegalArgumentException("no server in the default group, and no route");
        }
        this.defaultGroup = Optional.ofNullable(unnamed);
        this.named = groups;
        this.routes = new SniRoutes(defaultGroup);
        Map<SocketAddress, ServerGroup> ofOne = new HashMap<>();
        for (SniRoute route : options.routes()) {
            routes.add(route, switch (route.target()) {
                case SniRoute.ToGroup(String name) -> group(name).orElseThrow(
                        () -> new IllegalArgumentException("no group " + name + " for --sni-route " + route.name()));
                case SniRoute.ToServer(SocketAddress address) -> ofOne.computeIfAbsent(address,
                        unused -> groupOfOne(address, all, clock));
            });
        }
        this.servers = List.copyOf(all);
    }

    /**
     * A group of the one server at {@code address}: the first {@code --connect} server there, whose
     * state and counts it shares, or else a server of its own, added to {@code all}.
     */
    private ServerGroup groupOfOne(SocketAddress address, List<UpstreamServer> all, LongSupplier clock) {
        UpstreamServer server = all.stream().filter(given -> given.address().equals(address)).findFirst()
                .orElseGet(() -> {
                    UpstreamServer own = new UpstreamServer(new UpstreamOptions.Server(Optional.empty(), address),
                            options.healthCheck().isPresent(), clock);
                    all.add(own);
                    return own;
                });
        return new ServerGroup(Optional.empty(), List.of(server), options.balance(), clock);
    }

    /** Every server, in the order given: the {@code --connect} ones, then those only routes name. */
    List<UpstreamServer> servers() {
        return servers;
    }

    /** The group that serves every client not routed elsewhere, if any server is in it. */
    Optional<ServerGroup> defaultGroup() {
        return defaultGroup;
    }

    /** The group of that name, if there is one. */
    Optional<ServerGroup> group(String name) {
        return Optional.ofNullable(named.get(name));
    }

    /** Whether clients are routed by the TLS server name they ask for: whether there is any route. */
    boolean routesByServerName() {
        return !options.routes().isEmpty();
    }

    /** How long a client may take to send its whole ClientHello. */
    Duration serverNameTimeout() {
        return options.sniTimeout();
    }

    /**
     * The group for a client that asked for {@code serverName} (see {@link SniRoutes#route}); without
     * routes, the default group.
     *
     * @return the group, or empty if no route takes the name and there is no default group
     */
    Optional<ServerGroup> route(Optional<String> serverName) {
        return routes.route(serverName);
    }

    /** A client's tries on {@code group}, with the retries allowed. */
    UpstreamAttempts attempts(ServerGroup group) {
        return new UpstreamAttempts(group, options.retries());
    }

    /**
     * For the start line: the default group's servers, and how they are used where that matters:
     * {@code /10.0.0.1:80, /10.0.0.2:80 (balance roundrobin, retries 2, health checks every 1s)}, then
     * the named groups and the routes; a single server with no checks is its address alone.
     */
    String describe() {
        StringJoiner how = new StringJoiner(", ");
        if (servers.size() > 1 || !named.isEmpty() || routesByServerName()) {
            how.add("balance " + options.balance().text()).add("retries " + options.retries());
        }
        options.healthCheck().ifPresent(interval -> how.add("health checks every " + ForwarderArgs.format(interval)));
        for (ServerGroup group : named.values()) {
            how.add("group " + group.name().orElseThrow() + ": " + labels(group));
        }
        for (SniRoute route : options.routes()) {
            how.add("sni " + route.describe());
        }
        if (routesByServerName()) {
            how.add("sni timeout " + ForwarderArgs.format(options.sniTimeout()));
        }
        return defaultGroup.map(Upstreams::labels).orElse("by TLS server name only")
                + (how.length() == 0 ? "" : " (" + how + ")");
    }

    /** The group's addresses, in the order given. */
    private static String labels(ServerGroup group) {
        return group.servers().stream().map(server -> Endpoints.text(server.address()))
                .collect(Collectors.joining(", "));
    }

    /** A summary line per server: {@code upstream /10.0.0.1:80: up, 0 active connections, 3 connects failed}. */
    String summary() {
        StringBuilder lines = new StringBuilder();
        for (UpstreamServer server : servers) {
            ForwarderMXBean.ServerFigures figures = server.figures();
            lines.append("\n  upstream ").append(server.label()).append(": ").append(figures.state()).append(", ")
                    .append(figures.activeConnections()).append(" active connections, ")
                    .append(figures.connectsFailed()).append(" connects failed");
        }
        return lines.toString();
    }

    /** Each server's figures, in the order given. */
    List<ForwarderMXBean.ServerFigures> figures() {
        return servers.stream().map(UpstreamServer::figures).toList();
    }
}
