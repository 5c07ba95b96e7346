package io.splice4j.tool;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The servers a client may be sent to, and the one choice of a client's server: {@link #pick}. The
 * default group serves every client no route takes; a named group, or a route's group of one, serves
 * the clients routed to it by the TLS server name they ask for.
 */
final class ServerGroup {

    private final Optional<String> name;
    private final List<UpstreamServer> servers;
    private final Balance balance;
    private final LongSupplier clock;
    /** Where the round of {@link Balance#ROUNDROBIN} goes on. */
    private int cursor;

    /**
     * @param name the group's name, or empty for the default group and a route's group of one
     * @param servers its servers, at least one, in the order given
     * @param clock now, in nanoseconds
     */
    ServerGroup(Optional<String> name, List<UpstreamServer> servers, Balance balance, LongSupplier clock) {
        this.name = name;
        this.servers = List.copyOf(servers);
        this.balance = balance;
        this.clock = clock;
    }

    /** The group's name, or empty for the default group and a route's group of one. */
    Optional<String> name() {
        return name;
    }

    /** Its servers, in the order given. */
    List<UpstreamServer> servers() {
        return servers;
    }

    /**
     * Chooses the server for a client's next try, by the balance, among the servers not in
     * {@code tried} that may take a client now; if every one of those is down, among the rest, so
     * that a client is not refused before a try. The server chosen counts the client as active until
     * it is {@linkplain UpstreamServer#released() released}.
     *
     * @return the server, or {@code null} if every server is in {@code tried}
     */
    synchronized UpstreamServer pick(Collection<UpstreamServer> tried) {
        long now = clock.getAsLong();
        int chosen = balance.choose(servers, i -> !tried.contains(servers.get(i)) && servers.get(i).admits(now),
                cursor);
        if (chosen < 0) {
            chosen = balance.choose(servers, i -> !tried.contains(servers.get(i)), cursor);
        }
        if (chosen < 0) {
            return null;
        }
        cursor = (chosen + 1) % servers.size();
        UpstreamServer server = servers.get(chosen);
        server.sent(now);
        return server;
    }
}
