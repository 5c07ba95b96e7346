package io.splice4j.tool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The forwarder's upstream servers in their groups: the default group, which serves every client,
 * and the named ones, for clients routed by name. Hands out each client's {@link UpstreamAttempts},
 * and describes the servers for the start line, the summary and the MBean.
 */
final class Upstreams {

    private final UpstreamOptions options;
    private final List<UpstreamServer> servers;
    private final ServerGroup defaultGroup;
    private final Map<String, ServerGroup> named;

    /**
     * @param options at least one server in the default group ({@link UpstreamOptions#check()})
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
        this.servers = List.copyOf(all);
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
        if (unnamed == null) {
            throw new IllegalArgumentException("no server in the default group");
        }
        this.defaultGroup = unnamed;
        this.named = groups;
    }

    /** Every server, in the order given. */
    List<UpstreamServer> servers() {
        return servers;
    }

    /** The group that serves every client not routed elsewhere. */
    ServerGroup defaultGroup() {
        return defaultGroup;
    }

    /** The group of that name, if there is one. */
    Optional<ServerGroup> group(String name) {
        return Optional.ofNullable(named.get(name));
    }

    /** A client's tries on {@code group}, with the retries allowed. */
    UpstreamAttempts attempts(ServerGroup group) {
        return new UpstreamAttempts(group, options.retries());
    }

    /**
     * For the start line: the default group's servers, and how they are used where that matters:
     * {@code /10.0.0.1:80, /10.0.0.2:80 (balance roundrobin, retries 2, health checks every 1s)}; a
     * single server with no checks is its address alone.
     */
    String describe() {
        StringJoiner how = new StringJoiner(", ");
        if (defaultGroup.servers().size() > 1 || !named.isEmpty()) {
            how.add("balance " + options.balance().text()).add("retries " + options.retries());
        }
        options.healthCheck().ifPresent(interval -> how.add("health checks every " + ForwarderArgs.format(interval)));
        for (ServerGroup group : named.values()) {
            how.add("group " + group.name().orElseThrow() + ": " + labels(group));
        }
        return labels(defaultGroup) + (how.length() == 0 ? "" : " (" + how + ")");
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
