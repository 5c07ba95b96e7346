package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line for several upstreams: repeated and named {@code --connect}, the balance, retries and checks. */
class UpstreamArgsTest {

    @Test
    void oneServerInTheDefaultGroupRoundRobinTwoRetriesNoChecks() {
        UpstreamOptions upstream = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2").upstream();
        assertEquals(List.of(new UpstreamOptions.Server(Optional.empty(), new InetSocketAddress("127.0.0.1", 2))),
                upstream.servers());
        assertEquals(Balance.ROUNDROBIN, upstream.balance());
        assertEquals(2, upstream.retries());
        assertEquals(Optional.empty(), upstream.healthCheck());
    }

    @Test
    void serversKeepTheirOrderAndMixTcpAndUnixAndGroups() {
        UpstreamOptions upstream = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:3",
                "--balance", "leastconn", "--connect", "unix:/run/b=c.sock", "--connect", "api.example.com=[::1]:4",
                "--connect", "api.example.com=unix:/run/d.sock", "--connect", "127.0.0.1:5", "--retries", "0",
                "--health-check", "2s").upstream();
        assertEquals(List.of(
                new UpstreamOptions.Server(Optional.empty(), new InetSocketAddress("127.0.0.1", 3)),
                new UpstreamOptions.Server(Optional.empty(), UnixDomainSocketAddress.of("/run/b=c.sock")),
                new UpstreamOptions.Server(Optional.of("api.example.com"), new InetSocketAddress("::1", 4)),
                new UpstreamOptions.Server(Optional.of("api.example.com"), UnixDomainSocketAddress.of("/run/d.sock")),
                new UpstreamOptions.Server(Optional.empty(), new InetSocketAddress("127.0.0.1", 5))),
                upstream.servers());
        assertEquals(List.of("/127.0.0.1:3", "unix:/run/b=c.sock", "api.example.com=/[0:0:0:0:0:0:0:1]:4",
                "api.example.com=unix:/run/d.sock", "/127.0.0.1:5"),
                upstream.servers().stream().map(UpstreamOptions.Server::label).toList());
        assertEquals(Balance.LEASTCONN, upstream.balance());
        assertEquals(0, upstream.retries());
        assertEquals(Optional.of(Duration.ofSeconds(2)), upstream.healthCheck());
        assertEquals(Balance.FIRST, ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2",
                "--balance", "first").upstream().balance());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--balance random|--balance wants roundrobin, leastconn or first, got 'random'",
        "--balance ROUNDROBIN|--balance wants roundrobin, leastconn or first, got 'ROUNDROBIN'",
        "--balance|--balance needs a value",
        "--retries two|--retries wants a whole number, got 'two'",
        "--health-check|--health-check needs a value",
        "--connect 127.0.0.1:2|--connect: /127.0.0.1:2 is given twice",
        "--connect =127.0.0.1:3|--connect wants NAME=ADDRESS with a NAME of letters, digits, '.', '-' and '_', got "
                + "'=127.0.0.1:3'",
        "--connect -api=127.0.0.1:3|--connect wants NAME=ADDRESS with a NAME of letters, digits, '.', '-' and '_', got "
                + "'-api=127.0.0.1:3'",
        "--connect api=|--connect wants HOST:PORT, got ''",
        "--connect api=127.0.0.1|--connect wants HOST:PORT, got '127.0.0.1'",
        "--connect api=127.0.0.1:3 --connect api=127.0.0.1:3|--connect: api=/127.0.0.1:3 is given twice"})
    void badValuesAreNamed(String line, String message) {
        String[] args = ("--listen 127.0.0.1:1 --connect 127.0.0.1:2 " + line).split(" ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(args));
        assertEquals(message, e.getMessage());
    }

    @Test
    void theDefaultGroupNeedsAServer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(
                "--listen", "127.0.0.1:1", "--connect", "api=127.0.0.1:2"));
        assertEquals("--connect: every server is in a named group; give at least one without NAME= (the default "
                + "group, which serves every client), or route clients to the groups with --sni-route",
                e.getMessage());
        assertEquals("--connect is required", assertThrows(IllegalArgumentException.class,
                () -> ForwarderArgs.parse("--listen", "127.0.0.1:1", "--balance", "first")).getMessage());
        assertEquals("--self-check takes no --listen, --connect or --sni-route", assertThrows(
                IllegalArgumentException.class, () -> ForwarderArgs.parse("--self-check", "--connect", "127.0.0.1:2"))
                .getMessage());
    }

    @Test
    void theSameAddressMayServeTwoGroups() {
        UpstreamOptions upstream = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2",
                "--connect", "api=127.0.0.1:2").upstream();
        assertEquals(2, upstream.servers().size());
    }

    @Test
    void theUsageNamesTheFlagsAndTheirDefaults() {
        String usage = ForwarderArgs.USAGE.replaceAll("\\s+", " ");
        for (String fact : new String[] {"[--connect HOST:PORT ...]", "repeat it for several servers",
            "NAME=ADDRESS puts a server in a group of that name", "--balance POLICY",
            "roundrobin (default: each in turn), leastconn (fewest active connections, ties by order) or first",
            "--retries N", "(default 2)", "down for 1s, doubling to 30s", "--health-check D", "(default: off)",
            "two failed checks in a row take it down, two good ones bring it back"}) {
            assertTrue(usage.contains(fact), fact);
        }
    }
}
