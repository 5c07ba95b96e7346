package io.splice4j.tool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The forwarder's options for running it in production: sharing its port with other forwarders
 * ({@code --reuseport}), keeping idle connections checked ({@code --keepalive}), its access log
 * ({@code --access-log}) and its metrics endpoint ({@code --metrics-listen}).
 *
 * @param reusePort whether the listener sets {@code SO_REUSEPORT}, so that several forwarders can
 *     listen on one port and the kernel spreads new clients over them
 * @param keepalive TCP keepalive for client and upstream sockets, or empty for the system's default
 * @param accessLog the access log's file, {@code -} for standard output, or empty for none
 * @param metricsListen where to serve Prometheus metrics over HTTP, or empty for nowhere
 */
record OpsOptions(boolean reusePort, Optional<Keepalive> keepalive, Optional<String> accessLog,
        Optional<InetSocketAddress> metricsListen) {

    static final OpsOptions NONE = new OpsOptions(false, Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * Returns these options with {@code option} applied, or {@code null} if it is not one of these.
     *
     * @param value the option's value, asked for only by options that take one
     * @throws IllegalArgumentException with a message for people if the value is wrong
     */
    OpsOptions with(String option, Supplier<String> value) {
        return switch (option) {
            case "--reuseport" -> new OpsOptions(true, keepalive, accessLog, metricsListen);
            case "--keepalive" -> new OpsOptions(reusePort, Optional.of(Keepalive.parse(value.get())), accessLog,
                    metricsListen);
            case "--access-log" -> new OpsOptions(reusePort, keepalive, Optional.of(logFile(value.get())),
                    metricsListen);
            case "--metrics-listen" -> new OpsOptions(reusePort, keepalive, accessLog,
                    Optional.of(metricsAddress(value.get())));
            default -> null;
        };
    }

    /** Whether {@code option}, one of these, is followed by a value. */
    static boolean takesValue(String option) {
        return !option.equals("--reuseport");
    }

    /** A TCP address for the metrics endpoint, where the JDK's HTTP server is there to serve it. */
    private static InetSocketAddress metricsAddress(String text) {
        if (!(Endpoints.parse("--metrics-listen", text) instanceof InetSocketAddress address)) {
            throw new IllegalArgumentException("--metrics-listen wants HOST:PORT: metrics are served over TCP, got "
                    + ArgText.quoted(text));
        }
        if (ModuleLayer.boot().findModule("jdk.httpserver").isEmpty()) {
            throw new IllegalArgumentException("--metrics-listen needs the module jdk.httpserver, which this runtime "
                    + "does not load (add --add-modules jdk.httpserver)");
        }
        return address;
    }

    /** A file name, or {@code -}: checked for what can be checked before opening it. */
    private static String logFile(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("--access-log wants a file, or - for standard output, got ''");
        }
        try {
            Path.of(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("--access-log: bad path in " + ArgText.quoted(text));
        }
        return text;
    }

    /**
     * Checks these options against where the forwarder listens and connects.
     *
     * @throws IllegalArgumentException if an option can't apply there
     */
    void check(SocketAddress listen, java.util.List<SocketAddress> upstreams) {
        if (reusePort && Endpoints.unixPath(listen) != null) {
            throw new IllegalArgumentException("--reuseport needs a TCP --listen: a Unix socket's path is its own");
        }
        if (keepalive.isPresent() && Endpoints.unixPath(listen) != null
                && upstreams.stream().allMatch(upstream -> Endpoints.unixPath(upstream) != null)) {
            throw new IllegalArgumentException("--keepalive needs TCP at --listen or --connect: Unix sockets have no "
                    + "keepalive");
        }
    }

    /**
     * Opens a TCP listener on {@code address}, sharing the port with others if asked.
     *
     * @throws IOException if it can't bind; nothing is left open then
     */
    ServerSocketChannel listen(SocketAddress address, int backlog) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            if (reusePort) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            return channel.bind(address, backlog);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Sets up a client or upstream socket as asked: TCP keepalive (a Unix socket has none). */
    void tune(SocketChannel channel) throws IOException {
        if (keepalive.isPresent()) {
            keepalive.get().apply(channel);
        }
    }

    /** For the start line: what these options change, or nothing. */
    String describe() {
        return (reusePort ? ", SO_REUSEPORT" : "") + keepalive.map(k -> ", keepalive " + k).orElse("");
    }
}
