package io.splice4j.tool;

import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/** How a {@link ServerGroup} chooses a client's server among those it may send clients to ({@code --balance}). */
enum Balance {

    /** Each server in turn. */
    ROUNDROBIN {
        @Override
        int choose(List<UpstreamServer> servers, IntPredicate candidate, int cursor) {
            for (int i = 0; i < servers.size(); i++) {
                int index = (cursor + i) % servers.size();
                if (candidate.test(index)) {
                    return index;
                }
            }
            return -1;
        }
    },
    /** The server with the fewest active connections; ties go to the one given first. */
    LEASTCONN {
        @Override
        int choose(List<UpstreamServer> servers, IntPredicate candidate, int cursor) {
            int chosen = -1;
            for (int i = 0; i < servers.size(); i++) {
                if (candidate.test(i) && (chosen < 0 || servers.get(i).active() < servers.get(chosen).active())) {
                    chosen = i;
                }
            }
            return chosen;
        }
    },
    /** The first server in the order given. */
    FIRST {
        @Override
        int choose(List<UpstreamServer> servers, IntPredicate candidate, int cursor) {
            return ROUNDROBIN.choose(servers, candidate, 0);
        }
    };

    /**
     * Chooses a server.
     *
     * @param servers the group's servers, in the order given
     * @param candidate which indexes may be chosen
     * @param cursor where a round goes on: the index after the one chosen last
     * @return the index chosen, or -1 if no index is a candidate
     */
    abstract int choose(List<UpstreamServer> servers, IntPredicate candidate, int cursor);

    /**
     * Reads a {@code --balance} value.
     *
     * @throws IllegalArgumentException naming the flag if it is none of these
     */
    static Balance parse(String text) {
        for (Balance balance : values()) {
            if (balance.text().equals(text)) {
                return balance;
            }
        }
        throw new IllegalArgumentException("--balance wants roundrobin, leastconn or first, got "
                + ArgText.quoted(text));
    }

    /** The name as {@code --balance} takes it. */
    String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
