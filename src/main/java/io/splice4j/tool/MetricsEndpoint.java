package io.splice4j.tool;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code --metrics-listen}: serves {@code GET /metrics} (and {@code HEAD}) with the JDK's own HTTP
 * server, on an executor of its own (one daemon thread: scrapes are few and cheap), never on an
 * event loop. Loaded only when the flag is given, so a runtime without {@code jdk.httpserver} runs
 * the forwarder without it.
 */
final class MetricsEndpoint implements AutoCloseable {

    /** The path served. */
    static final String PATH = "/metrics";
    /** Connections waiting to be accepted; a scraper needs one. */
    private static final int BACKLOG = 16;

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving {@code exposition} at {@code address}.
     *
     * @throws IOException naming the flag if it can't listen there
     */
    static MetricsEndpoint start(InetSocketAddress address, Supplier<String> exposition) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(address, BACKLOG);
        } catch (IOException e) {
            throw new IOException("--metrics-listen " + Endpoints.written(address) + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("splice4j-metrics").factory());
        server.setExecutor(executor);
        server.createContext("/", exchange -> respond(exchange, exposition));
        server.start();
        return new MetricsEndpoint(server, executor);
    }

    /** Where it listens: the port bound if {@code --metrics-listen} asked for port 0. */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening and closes every connection at once. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Answers one request: the metrics, or why not. */
    private static void respond(HttpExchange exchange, Supplier<String> exposition) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found: metrics are at " + PATH + "\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed: GET or HEAD\n");
            } else {
                send(exchange, 200, PrometheusText.CONTENT_TYPE, exposition.get());
            }
        }
    }

    /** Sends a whole response; a {@code HEAD} gets the headers only. */
    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        // -1: no body, as a HEAD response has none.
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
