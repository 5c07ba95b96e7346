package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which server a group picks, by each balance, with servers down, and a client's tries: on a clock of the test's. */
class ServerGroupTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(-5 * SECOND);

    /** {@code count} servers of the default group, on the test's clock, up; ports from 1001. */
    private List<UpstreamServer> servers(int count) {
        List<UpstreamServer> servers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            servers.add(new UpstreamServer(new UpstreamOptions.Server(Optional.empty(),
                    new InetSocketAddress("127.0.0.1", 1001 + i)), false, clock::get));
        }
        return servers;
    }

    /** The servers as one group, on the test's clock. */
    private ServerGroup group(Balance balance, List<UpstreamServer> servers) {
        return new ServerGroup(Optional.empty(), servers, balance, clock::get);
    }

    /** Picks for a client that connects and ends at once: the server's place is given back. */
    private static List<Integer> picks(ServerGroup group, List<UpstreamServer> servers, int count) {
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UpstreamServer server = group.pick(List.of());
            server.released();
            picked.add(servers.indexOf(server));
        }
        return picked;
    }

    @Test
    void roundRobinTakesEachServerInTurnAndSkipsOneThatIsDown() {
        List<UpstreamServer> servers = servers(3);
        ServerGroup group = group(Balance.ROUNDROBIN, servers);
        assertEquals(List.of(0, 1, 2, 0, 1, 2, 0), picks(group, servers, 7));
        servers.get(2).connectFailed("refused");
        assertEquals(List.of(1, 0, 1, 0), picks(group, servers, 4));
    }

    @Test
    void aServerDownIsTriedByOneClientWhenItsBackOffIsOver() {
        List<UpstreamServer> servers = servers(2);
        ServerGroup group = group(Balance.ROUNDROBIN, servers);
        servers.get(0).connectFailed("refused");
        assertEquals(List.of(1, 1, 1), picks(group, servers, 3));
        clock.addAndGet(SECOND);
        List<Integer> picked = picks(group, servers, 6);
        assertEquals(1, picked.stream().filter(i -> i == 0).count(), "one trial: " + picked);
        // The trial's connect succeeds: the server is up and in the round again.
        servers.get(0).connected();
        assertTrue(servers.get(0).up());
        assertEquals(3, picks(group, servers, 6).stream().filter(i -> i == 0).count());
    }

    @Test
    void leastConnTakesTheServerWithTheFewestActiveClientsTiesByOrder() {
        List<UpstreamServer> servers = servers(3);
        ServerGroup group = group(Balance.LEASTCONN, servers);
        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(servers.indexOf(group.pick(List.of())));
        }
        assertEquals(List.of(0, 1, 2, 0, 1, 2), held, "ties go to the server given first");
        servers.get(1).released();
        servers.get(1).released();
        assertEquals(List.of(1, 1, 1), picks(group, servers, 3), "the one with none left takes the next clients");
        assertSame(servers.get(1), group.pick(List.of()));
        assertSame(servers.get(1), group.pick(List.of()));
        assertSame(servers.get(0), group.pick(List.of()), "all at 2 again: the first given");
        servers.get(0).connectFailed("refused");
        assertSame(servers.get(1), group.pick(List.of()), "3, 2, 2, and the first is down");
        assertSame(servers.get(2), group.pick(List.of()));
    }

    @Test
    void firstTakesTheFirstServerThatIsUp() {
        List<UpstreamServer> servers = servers(3);
        ServerGroup group = group(Balance.FIRST, servers);
        assertEquals(List.of(0, 0, 0), picks(group, servers, 3));
        servers.get(0).connectFailed("refused");
        servers.get(1).connectFailed("refused");
        assertEquals(List.of(2, 2), picks(group, servers, 2));
        clock.addAndGet(SECOND);
        assertEquals(List.of(0, 1, 2, 2), picks(group, servers, 4), "each back-off over: one trial each, in order");
    }

    @Test
    void whenEveryServerIsDownAClientStillGetsATryAndNoServerTwice() {
        List<UpstreamServer> servers = servers(2);
        ServerGroup group = group(Balance.ROUNDROBIN, servers);
        servers.forEach(server -> server.connectFailed("refused"));
        List<UpstreamServer> tried = new ArrayList<>();
        tried.add(group.pick(tried));
        tried.add(group.pick(tried));
        assertEquals(2, tried.stream().distinct().count());
        assertNull(group.pick(tried), "every server tried");
    }

    @Test
    void aClientTriesOneServerAndAtMostRetriesMoreThenTheTriesEnd() {
        List<UpstreamServer> servers = servers(3);
        UpstreamAttempts attempts = new UpstreamAttempts(group(Balance.ROUNDROBIN, servers), 1);
        UpstreamServer first = attempts.next();
        assertSame(servers.get(0), first);
        assertEquals(1, first.active());
        attempts.failed("java.net.ConnectException: Connection refused", false);
        UpstreamServer second = attempts.next();
        assertSame(servers.get(1), second);
        assertEquals(0, first.active(), "the failed try gave its place back");
        attempts.failed("no answer within 10s", true);
        assertNull(attempts.next(), "one retry, used");
        assertEquals(List.of(0, 0, 0), servers.stream().map(UpstreamServer::active).toList());
        assertEquals(List.of(1L, 1L, 0L), servers.stream().map(UpstreamServer::connectsFailed).toList());
        assertFalse(servers.get(0).up());
        assertFalse(servers.get(1).up());
        assertTrue(servers.get(2).up());
        UpstreamConnectException exhausted = attempts.exhausted();
        assertEquals("/127.0.0.1:1001: java.net.ConnectException: Connection refused, nor to /127.0.0.1:1002: no "
                + "answer within 10s", exhausted.getMessage());
        assertTrue(exhausted.timedOut());
    }

    @Test
    void aConnectedClientHoldsItsServerUntilReleasedOnce() {
        List<UpstreamServer> servers = servers(2);
        UpstreamAttempts attempts = new UpstreamAttempts(group(Balance.LEASTCONN, servers), 2);
        UpstreamServer server = attempts.next();
        attempts.connected();
        assertEquals(1, server.active());
        attempts.release();
        attempts.release();
        assertEquals(0, server.active(), "a second release gives back nothing");
    }

    @Test
    void aFailureOnThisSideEndsTheTriesAndBlamesNoServer() {
        List<UpstreamServer> servers = servers(2);
        UpstreamAttempts attempts = new UpstreamAttempts(group(Balance.ROUNDROBIN, servers), 2);
        attempts.next();
        attempts.failedHere("java.net.SocketException: Too many open files");
        assertNull(attempts.next());
        assertTrue(servers.get(0).up());
        assertEquals(0, servers.get(0).connectsFailed());
        assertEquals(0, servers.get(0).active());
        assertEquals("/127.0.0.1:1001: java.net.SocketException: Too many open files", attempts.exhausted().getMessage());
        assertFalse(attempts.exhausted().timedOut());
    }
}
