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
 * {@code NAME=ADDRESS} for one in a named group), {@code --balance}, {@code --retries} and
 * {@code --health-check}.
 *
 * @param servers the servers in the order given
 * @param balance how a group chooses a client's server
 * @param retries how many other servers a client may try after a failed connect
 * @param healthCheck how often each server is checked with a connect, or empty for no active checks
 */
record UpstreamOptions(List<Server> servers, Balance balance, int retries, Optional<Duration> healthCheck) {

    static final int DEFAULT_RETRIES = 2;

    /** The flags {@link #with} takes, each followed by a value. */
    static final List<String> FLAGS = List.of("--connect", "--balance", "--retries", "--health-check");

    static final UpstreamOptions NONE = new UpstreamOptions(List.of(), Balance.ROUNDROBIN, DEFAULT_RETRIES,
            Optional.empty());

    /** {@code NAME=} before an address: no {@code :}, {@code /} or {@code [} before the {@code =}. */
    private static final Pattern NAMED = Pattern.compile("([^:/\\[]*)=(.*)", Pattern.DOTALL);
    /** A group name: what a TLS server name or a label may hold. */
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

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
            case "--connect" -> new UpstreamOptions(plus(server(value)), balance, retries, healthCheck);
            case "--balance" -> new UpstreamOptions(servers, Balance.parse(value), retries, healthCheck);
            case "--retries" -> new UpstreamOptions(servers, balance, NumericFlag.RETRIES.intValue(value), healthCheck);
            case "--health-check" -> new UpstreamOptions(servers, balance, retries,
                    Optional.of(NumericFlag.HEALTH_CHECK.duration(value)));
            default -> throw new IllegalArgumentException("unknown argument: " + ArgText.quoted(option));
        };
    }

    /**
     * Checks the servers together, once all are given.
     *
     * @throws IllegalArgumentException if every server is in a named group: the default group serves every client
     */
    void check() {
        if (!servers.isEmpty() && servers.stream().allMatch(server -> server.group().isPresent())) {
            throw new IllegalArgumentException("--connect: every server is in a named group; give at least one "
                    + "without NAME= (the default group, which serves every client)");
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
        List<Server> more = new ArrayList<>(servers);
        more.add(server);
        return List.copyOf(more);
    }
}
