package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line for routing by TLS server name: {@code --sni-route} and {@code --sni-timeout}. */
class SniRouteArgsTest {

    @Test
    void routesKeepTheirOrderInLowerCaseToServersAndGroups() {
        UpstreamOptions upstream = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "api=127.0.0.1:2",
                "--sni-route", "API.Example.COM=api", "--sni-route", "*.Example.com=127.0.0.1:3", "--sni-route",
                "db.example.com=unix:/run/db=1.sock", "--sni-route", "v6.example.com=[::1]:4", "--sni-timeout",
                "750ms").upstream();
        assertEquals(List.of(
                new SniRoute("api.example.com", new SniRoute.ToGroup("api")),
                new SniRoute("*.example.com", new SniRoute.ToServer(new InetSocketAddress("127.0.0.1", 3))),
                new SniRoute("db.example.com", new SniRoute.ToServer(UnixDomainSocketAddress.of("/run/db=1.sock"))),
                new SniRoute("v6.example.com", new SniRoute.ToServer(new InetSocketAddress("::1", 4)))),
                upstream.routes());
        assertEquals(Duration.ofMillis(750), upstream.sniTimeout());
        assertEquals(List.of(false, true, false, false), upstream.routes().stream().map(SniRoute::wildcard).toList());
    }

    @Test
    void withoutRoutesNoHelloIsReadAndTheTimeoutIsFiveSeconds() {
        UpstreamOptions upstream = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2")
                .upstream();
        assertEquals(List.of(), upstream.routes());
        assertEquals(Duration.ofSeconds(5), upstream.sniTimeout());
    }

    @Test
    void routesNeedNoDefaultGroupNorAnyConnect() {
        ForwarderArgs named = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "api=127.0.0.1:2",
                "--sni-route", "api.example.com=api");
        assertEquals(1, named.upstream().servers().size());
        ForwarderArgs routesOnly = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--sni-route",
                "a.example.com=127.0.0.1:2", "--sni-route", "b.example.com=127.0.0.1:2");
        assertEquals(List.of(), routesOnly.upstream().servers());
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 2), new InetSocketAddress("127.0.0.1", 2)),
                routesOnly.upstream().addresses());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--sni-route|--sni-route needs a value",
        "--sni-route api.example.com|--sni-route wants NAME=ENDPOINT (a server name or *.name, then HOST:PORT, "
                + "unix:/path or a --connect group's NAME), got 'api.example.com'",
        "--sni-route =127.0.0.1:3|--sni-route: '' is no server name: it is empty",
        "--sni-route *=127.0.0.1:3|--sni-route: '*' is no server name: it has the byte 0x2a, not a letter, digit, "
                + "hyphen or dot",
        "--sni-route *.=127.0.0.1:3|--sni-route: '*.' is no server name after '*.': it is empty",
        "--sni-route a.*.example=127.0.0.1:3|--sni-route: 'a.*.example' is no server name: it has the byte 0x2a, not "
                + "a letter, digit, hyphen or dot",
        "--sni-route *.*.example=127.0.0.1:3|--sni-route: '*.*.example' is no server name after '*.': it has the byte "
                + "0x2a, not a letter, digit, hyphen or dot",
        "--sni-route a..example=127.0.0.1:3|--sni-route: 'a..example' is no server name: it has an empty label",
        "--sni-route example.com.=127.0.0.1:3|--sni-route: 'example.com.' is no server name: it ends with a dot",
        "--sni-route 10.0.0.1=127.0.0.1:3|--sni-route: '10.0.0.1' is no server name: its last label is all digits, "
                + "as in an IP address, which SNI does not allow",
        "--sni-route a_b.example=127.0.0.1:3|--sni-route: 'a_b.example' is no server name: it has the byte 0x5f, not "
                + "a letter, digit, hyphen or dot",
        "--sni-route a.example=|--sni-route wants HOST:PORT, unix:/path or a group's NAME (letters, digits, '.', '-' "
                + "and '_') after '=', got 'a.example='",
        "--sni-route a.example=-api|--sni-route wants HOST:PORT, unix:/path or a group's NAME (letters, digits, '.', "
                + "'-' and '_') after '=', got 'a.example=-api'",
        "--sni-route a.example=127.0.0.1:99999|--sni-route: port out of range in '127.0.0.1:99999'",
        "--sni-route a.example=unix:|--sni-route wants unix:/path/to.sock, got 'unix:'",
        "--sni-route a.example=web|--sni-route a.example=web: no --connect web=ADDRESS puts a server in the group "
                + "'web'",
        "--sni-route a.example=127.0.0.1:3 --sni-route A.EXAMPLE=127.0.0.1:4|--sni-route: a.example is given twice",
        "--sni-timeout 0ms|--sni-timeout must be between 1ms and 576h, got '0ms'",
        "--sni-timeout 577h|--sni-timeout must be between 1ms and 576h, got '577h'",
        "--sni-timeout 5|--sni-timeout wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '5'"})
    void badValuesAreNamed(String line, String message) {
        String[] args = ("--listen 127.0.0.1:1 --connect 127.0.0.1:2 " + line).split(" ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse(args));
        assertEquals(message, e.getMessage());
    }

    @Test
    void theTimeoutsBoundsParse() {
        assertEquals(Duration.ofMillis(1), ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2",
                "--sni-timeout", "1ms").upstream().sniTimeout());
        assertEquals(Duration.ofHours(576), ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "127.0.0.1:2",
                "--sni-timeout", "576h").upstream().sniTimeout());
    }

    @Test
    void keepaliveCountsTheRoutesTcpServers() {
        ForwarderArgs args = ForwarderArgs.parse("--listen", "unix:/run/in.sock", "--connect", "unix:/run/up.sock",
                "--sni-route", "a.example=127.0.0.1:3", "--keepalive", "60s,10s,5");
        assertTrue(args.ops().keepalive().isPresent());
        assertEquals("--keepalive needs TCP at --listen or --connect: Unix sockets have no keepalive",
                assertThrows(IllegalArgumentException.class, () -> ForwarderArgs.parse("--listen", "unix:/run/in.sock",
                        "--sni-route", "a.example=unix:/run/up.sock", "--keepalive", "60s,10s,5")).getMessage());
    }

    @Test
    void theUsageNamesTheFlags() {
        String usage = ForwarderArgs.USAGE.replaceAll("\\s+", " ");
        for (String fact : new String[] {"[--sni-route NAME=ENDPOINT ...]", "[--sni-timeout DURATION]",
            "--sni-route N=E read each client's TLS ClientHello first", "*.example.com takes any name one label longer",
            "exact names first, then *. names, then the default group", "TLS is passed through untouched",
            "--sni-timeout D how long a client may take to send its whole ClientHello, 1ms..576h (default 5s)",
            "which only clients routed there by --sni-route use"}) {
            assertTrue(usage.contains(fact), fact);
        }
    }
}
