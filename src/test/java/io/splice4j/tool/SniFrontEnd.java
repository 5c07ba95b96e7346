package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Four TLS servers, each with a certificate of its own, behind a forwarder that routes by server
 * name: three routes, to a group ({@code api.example.test}), to a server ({@code exact.wild.test})
 * and a wildcard ({@code *.wild.test}), and a default group; and which server each of a list of
 * names must reach.
 */
final class SniFrontEnd implements AutoCloseable {

    final TlsEchoServer api;
    final TlsEchoServer exact;
    final TlsEchoServer wild;
    final TlsEchoServer fallback;

    private SniFrontEnd(List<TlsEchoServer> servers) {
        this.api = servers.get(0);
        this.exact = servers.get(1);
        this.wild = servers.get(2);
        this.fallback = servers.get(3);
    }

    /** Makes the four identities in {@code keys} and starts the servers. */
    static SniFrontEnd start(Path keys) throws Exception {
        List<TlsEchoServer> servers = new ArrayList<>();
        for (TlsIdentity identity : TlsIdentity.make(keys, "api.example.test", "exact.wild.test", "any.wild.test",
                "default.test")) {
            servers.add(new TlsEchoServer(identity));
        }
        return new SniFrontEnd(servers);
    }

    /** The forwarder's flags for the routes and the default group, in pairs of flag and value. */
    List<String> flags() {
        return List.of("--connect", fallback.endpoint(), "--connect", "api=" + api.endpoint(),
                "--sni-route", "api.example.test=api", "--sni-route", "exact.wild.test=" + exact.endpoint(),
                "--sni-route", "*.wild.test=" + wild.endpoint());
    }

    /**
     * Names a client may ask for, and the server each must reach: the routes in any case, exact
     * before wildcard, a wildcard's one label and no more, names no route takes, and none at all ("").
     */
    List<Map.Entry<String, TlsEchoServer>> clients() {
        return List.of(Map.entry("api.example.test", api), Map.entry("API.Example.TEST", api),
                Map.entry("exact.wild.test", exact), Map.entry("x.wild.test", wild),
                Map.entry("Other-1.WILD.test", wild), Map.entry("wild.test", fallback),
                Map.entry("a.b.wild.test", fallback), Map.entry("unknown.test", fallback), Map.entry("", fallback));
    }

    /**
     * Sends each of {@link #clients()} through the forwarder at {@code forwarder}, one after another:
     * each must complete its handshake with the server its name routes to, hear from it that it is
     * that server and got that name, and have an echo of {@code echo} bytes come back whole.
     */
    void checkEveryClient(InetSocketAddress forwarder, int echo) throws Exception {
        List<Map.Entry<String, TlsEchoServer>> clients = clients();
        for (int i = 0; i < clients.size(); i++) {
            String name = clients.get(i).getKey().isEmpty() ? null : clients.get(i).getKey();
            TlsEchoServer server = clients.get(i).getValue();
            assertEquals(TlsEchoServer.greeting(server.identity().name(), name),
                    TlsClient.greetingAfterEcho(forwarder, name, server.identity(), echo, i), "client " + i);
        }
    }

    /**
     * Checks the access log's lines for {@link #checkEveryClient}'s clients, in any order (a line is
     * written when its connection ends): a line per client names the server name it asked for in
     * lower case (none without SNI) and the server it reached, and says it completed.
     */
    void checkAccessLog(List<String> lines) {
        List<String> expected = new ArrayList<>();
        for (Map.Entry<String, TlsEchoServer> client : clients()) {
            String name = client.getKey().isEmpty() ? null : client.getKey().toLowerCase(Locale.ROOT);
            expected.add(name + " " + client.getValue().endpoint() + " completed");
        }
        List<String> logged = new ArrayList<>();
        for (String line : lines) {
            Map<String, Object> entry = StrictJson.object(line);
            logged.add(entry.get("sni") + " " + entry.get("upstream") + " " + entry.get("end"));
        }
        Collections.sort(expected);
        Collections.sort(logged);
        assertEquals(expected, logged, String.join("\n", lines));
    }

    /** Handshakes each server completed for {@link #checkEveryClient}'s clients: api, exact, wild, default. */
    static final List<Integer> HANDSHAKES = List.of(2, 1, 2, 4);

    /** Handshakes the four servers have completed, in the order api, exact, wild, fallback. */
    List<Integer> handshakes() {
        return List.of(api.handshakes(), exact.handshakes(), wild.handshakes(), fallback.handshakes());
    }

    /** The handshakes each server completed since {@link #handshakes()} returned {@code before}. */
    List<Integer> handshakesSince(List<Integer> before) {
        List<Integer> now = handshakes();
        return IntStream.range(0, now.size()).mapToObj(i -> now.get(i) - before.get(i)).toList();
    }

    @Override
    public void close() throws IOException {
        for (TlsEchoServer server : List.of(api, exact, wild, fallback)) {
            server.close();
        }
    }
}
