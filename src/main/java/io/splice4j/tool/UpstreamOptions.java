package io.splice4j.tool;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The forwarder's upstream servers and how it uses them: {@code --connect} (repeated for several,
 * {@code NAME=ADDRESS} for one in a named group), {@code --balance}, {@code --retries},
 * {@code --health-check}, and routing by TLS server name: {@code --sni-route} and
 * {@code --sni-timeout}.
 *
 * @param servers the servers in the order given
 * @param balance how a group chooses a client's server
 * @param retries how many other servers a client may try after a failed connect
 * @param healthCheck how often each server is checked with a connect, or empty for no active checks
 * @param routes the routes by TLS server name in the order given; none: every client goes to the
 *     default group, and no ClientHello is read
 * @param sniTimeout how long a client may take to send its whole ClientHello, with routes
 */
record UpstreamOptions(List<Server> servers, Balance balance, int retries, Optional<Duration> healthCheck,
        List<SniRoute> routes, Duration sniTimeout) {

    static final int DEFAULT_RETRIES = 2;
    static final Duration DEFAULT_SNI_TIMEOUT = Duration.ofSeconds(5);

    /** The flags {@link #with} takes, each followed by a value. */
    static final List<String> FLAGS = List.of("--connect", "--balance", "--retries", "--health-check", "--sni-route",
            "--sni-timeout");

    static final UpstreamOptions NONE = new UpstreamOptions(List.of(), Balance.ROUNDROBIN, DEFAULT_RETRIES,
            Optional.empty(), List.of(), DEFAULT_SNI_TIMEOUT);

    /** {@code NAME=} before an address: no {@code :}, {@code /} or {@code [} before the {@code =}. */
    private static final Pattern NAMED = Pattern.compile("([^:/\\[]*)=(.*)", Pattern.DOTALL);
    /** A group name: what a TLS server name or a label may hold. */
    static final Pattern GROUP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    /**
     * One server.
     *
     * @param group the name of its group, or empty for the default group, which serves every client
     * @param address where to connect
     */
    record Server(Optional<String> group, SocketAddress address) {

        /** The server for people: its address, after {@code NAME=} in a named group. */
        String label() {
            return group.map(name -> name + "=").orElse("") + Endpoints.text(address);
        }

        /** The server as {@code --connect} names it: {@code [NAME=]HOST:PORT} or {@code [NAME=]unix:/path}. */
        String written() {
            return group.map(name -> name + "=").orElse("") + Endpoints.written(address);
        }
    }

    /**
     * Returns these options with {@code option}, one of {@link #FLAGS}, applied.
     *
     * @throws IllegalArgumentException with a message for people if the value is wrong
     */
    UpstreamOptions with(String option, String value) {
        return switch (option) {
            case "--connect" -> new UpstreamOptions(plus(server(value)), balance, retries, healthCheck, routes,
                    sniTimeout);
            case "--balance" -> new UpstreamOptions(servers, Balance.parse(value), retries, healthCheck, routes,
                    sniTimeout);
            case "--retries" -> new UpstreamOptions(servers, balance, NumericFlag.RETRIES.intValue(value), healthCheck,
                    routes, sniTimeout);
            case "--health-check" -> new UpstreamOptions(servers, balance, retries,
                    Optional.of(NumericFlag.HEALTH_CHECK.duration(value)), routes, sniTimeout);
            case "--sni-route" -> new UpstreamOptions(servers, balance, retries, healthCheck,
                    plus(SniRoute.parse(value)), sniTimeout);
            case "--sni-timeout" -> new UpstreamOptions(servers, balance, retries, healthCheck, routes,
                    NumericFlag.SNI_TIMEOUT.duration(value));
            default -> throw new IllegalArgumentException("unknown argument: " + ArgText.quoted(option));
        };
    }

    /** Whether anything is given to connect to: a {@code --connect} server or a {@code --sni-route}. */
    boolean any() {
        return !servers.isEmpty() || !routes.isEmpty();
    }

    /** Every address given, the servers' and then the routes' own, for checks that depend on their kind. */
    List<SocketAddress> addresses() {
        List<SocketAddress> all = new ArrayList<>();
        servers.forEach(server -> all.add(server.address()));
        for (SniRoute route : routes) {
            if (route.target() instanceof SniRoute.ToServer server) {
                all.add(server.address());
            }
        }
        return all;
    }

    /**
     * Checks the servers and routes together, once all are given.
     *
     * @throws IllegalArgumentException if there is no default group and no route (the default group
     *     serves every client not routed by name), or a route names a group that no server is in
     */
    void check() {
        if (routes.isEmpty() && !servers.isEmpty() && servers.stream().allMatch(server -> server.group().isPresent())) {
            throw new IllegalArgumentException("--connect: every server is in a named group; give at least one "
                    + "without NAME= (the default group, which serves every client), or route clients to the groups "
                    + "with --sni-route");
        }
        for (SniRoute route : routes) {
            if (route.target() instanceof SniRoute.ToGroup(String group)
                    && servers.stream().noneMatch(server -> server.group().equals(Optional.of(group)))) {
                throw new IllegalArgumentException("--sni-route " + route.name() + "=" + group + ": no --connect "
                        + group + "=ADDRESS puts a server in the group " + ArgText.quoted(group));
            }
        }
    }

    /** Reads {@code ADDRESS} or {@code NAME=ADDRESS}. */
    private static Server server(String text) {
        Matcher named = NAMED.matcher(text);
        if (!named.matches()) {
            return new Server(Optional.empty(), Endpoints.parse("--connect", text));
        }
        if (!GROUP.matcher(named.group(1)).matches()) {
            throw new IllegalArgumentException("--connect wants NAME=ADDRESS with a NAME of letters, digits, '.', "
                    + "'-' and '_', got " + ArgText.quoted(text));
        }
        return new Server(Optional.of(named.group(1)), Endpoints.parse("--connect", named.group(2)));
    }

    /** The servers with {@code server} added, which must not be among them yet. */
    private List<Server> plus(Server server) {
        if (servers.contains(server)) {
            throw new IllegalArgumentException("--connect: " + server.label() + " is given twice");
        }
        return appended(servers, server);
    }

    /** The routes with {@code route} added, whose name must not be routed yet. */
    private List<SniRoute> plus(SniRoute route) {
        if (routes.stream().anyMatch(given -> given.name().equals(route.name()))) {
            throw new IllegalArgumentException("--sni-route: " + route.name() + " is given twice");
        }
        return appended(routes, route);
    }

    private static <T> List<T> appended(List<T> list, T element) {
        List<T> more = new ArrayList<>(list);
        more.add(element);
        return List.copyOf(more);
    }
}
