package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which group a server name goes to ({@link Upstreams#route}): exact names, then one-label
 * wildcards, then the default group; and the groups of one that routes to single servers make.
 */
class SniRoutesTest {

    private static final String[] ROUTED = {"--listen", "127.0.0.1:1", "--connect", "127.0.0.1:10",
        "--connect", "api=127.0.0.1:11", "--connect", "api=127.0.0.1:12", "--sni-route", "api.example.com=api",
        "--sni-route", "*.example.com=127.0.0.1:13", "--sni-route", "exact.example.com=127.0.0.1:14",
        "--sni-route", "*.b.example.com=127.0.0.1:14", "--sni-route", "also.example.org=127.0.0.1:13",
        "--sni-route", "first.example.org=127.0.0.1:10"};

    @Test
    void exactNamesThenOneLabelWildcardsThenTheDefaultGroup() {
        Upstreams upstreams = upstreams(ROUTED);
        ServerGroup defaultGroup = upstreams.defaultGroup().orElseThrow();
        assertSame(upstreams.group("api").orElseThrow(), route(upstreams, "api.example.com"));
        assertEquals(List.of(13), ports(route(upstreams, "x.example.com")), "a wildcard");
        assertEquals(List.of(14), ports(route(upstreams, "exact.example.com")), "exact beats the wildcard");
        assertEquals(List.of(14), ports(route(upstreams, "y.b.example.com")), "the longer wildcard");
        assertSame(defaultGroup, route(upstreams, "example.com"), "*.example.com needs a label more");
        assertSame(defaultGroup, route(upstreams, "y.x.example.com"), "*.example.com takes one label, not two");
        assertSame(defaultGroup, route(upstreams, "b.example.com.evil"), "names are whole");
        assertSame(defaultGroup, route(upstreams, "localhost"), "a single label");
        assertSame(defaultGroup, upstreams.route(Optional.empty()).orElseThrow(), "no SNI at all");
        assertEquals(List.of(10), ports(defaultGroup));
    }

    @Test
    void aRouteToAConnectServersAddressSharesThatServer() {
        Upstreams upstreams = upstreams(ROUTED);
        assertEquals(List.of(10, 11, 12, 13, 14), upstreams.servers().stream().map(SniRoutesTest::port).toList(),
                "the --connect servers, then one server of its own per address only routes name");
        assertSame(upstreams.defaultGroup().orElseThrow().servers().getFirst(),
                route(upstreams, "first.example.org").servers().getFirst(), "the same server: one health, one count");
        assertSame(route(upstreams, "x.example.com"), route(upstreams, "also.example.org"),
                "one group for one address, however many routes name it");
        assertTrue(upstreams.describe().startsWith("/127.0.0.1:10 (balance roundrobin, retries 2, group api: "
                + "/127.0.0.1:11, /127.0.0.1:12, sni api.example.com -> group api, sni *.example.com -> "
                + "/127.0.0.1:13, sni exact.example.com -> /127.0.0.1:14, "), upstreams.describe());
        assertTrue(upstreams.describe().endsWith(", sni first.example.org -> /127.0.0.1:10, sni timeout 5s)"),
                upstreams.describe());
    }

    @Test
    void withoutADefaultGroupAClientNoRouteTakesHasNone() {
        Upstreams upstreams = upstreams("--listen", "127.0.0.1:1", "--connect", "web=127.0.0.1:10",
                "--sni-route", "www.example.com=web", "--sni-timeout", "2s");
        assertEquals(Optional.empty(), upstreams.defaultGroup());
        assertEquals(List.of(10), ports(route(upstreams, "www.example.com")));
        assertEquals(Optional.empty(), upstreams.route(Optional.of("example.com")));
        assertEquals(Optional.empty(), upstreams.route(Optional.empty()));
        assertEquals("by TLS server name only (balance roundrobin, retries 2, group web: /127.0.0.1:10, sni "
                + "www.example.com -> group web, sni timeout 2s)", upstreams.describe());
    }

    private static Upstreams upstreams(String... args) {
        return new Upstreams(ForwarderArgs.parse(args).upstream(), System::nanoTime);
    }

    private static ServerGroup route(Upstreams upstreams, String name) {
        return upstreams.route(Optional.of(name)).orElseThrow(() -> new AssertionError("no route for " + name));
    }

    private static List<Integer> ports(ServerGroup group) {
        return group.servers().stream().map(SniRoutesTest::port).toList();
    }

    private static int port(UpstreamServer server) {
        return ((java.net.InetSocketAddress) server.address()).getPort();
    }
}
