package io.splice4j.tool;

import io.splice4j.SpliceMode;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The forwarder's command line, parsed and checked: every numeric value lies in the range the
 * usage states ({@link NumericFlag}).
 *
 * @param listen where to accept clients: TCP (port 0 picks one) or a Unix socket
 * @param upstream the servers to connect to for each client (TCP or Unix sockets), and how to use them
 * @param mode the transfer mode
 * @param chunkSize bytes per call and pipe size
 * @param loops event-loop threads of the forwarder's engine
 * @param maxConnections the most clients served at once, or empty for what the fd limit allows
 * @param connectTimeout how long an upstream connect may take
 * @param idleTimeout how long a connection may move no byte, or empty for no limit
 * @param drainTimeout on SIGTERM/SIGINT, how long open connections may take to finish; zero: none
 * @param logConnections whether to log a line per connection
 * @param selfCheck whether to run the self-check instead of forwarding
 * @param help whether to print the usage and exit
 * @param edge the Unix socket mode and the PROXY protocol options
 * @param ops the options for running it in production: port sharing, keepalive, the access log,
 *     the metrics endpoint
 */
record ForwarderArgs(SocketAddress listen, UpstreamOptions upstream, SpliceMode mode, int chunkSize, int loops,
        OptionalInt maxConnections, Duration connectTimeout, Optional<Duration> idleTimeout, Duration drainTimeout,
        boolean logConnections, boolean selfCheck, boolean help, EdgeOptions edge, OpsOptions ops) {

    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_CHUNK_SIZE = 256 << 10;

    static final String USAGE = """
            usage: java -jar splice4j.jar --listen HOST:PORT --connect HOST:PORT [--mode auto|zero-copy|portable]
                                          [--chunk-size SIZE] [--loops N] [--max-connections N]
                                          [--connect-timeout DURATION] [--idle-timeout DURATION]
                                          [--drain-timeout DURATION] [--log-connections]
                                          [--unix-mode MODE] [--send-proxy v1|v2] [--accept-proxy]
                                          [--proxy-timeout DURATION] [--reuseport]
                                          [--keepalive IDLE,INTERVAL,COUNT] [--access-log FILE|-]
                                          [--metrics-listen HOST:PORT]
                                          [--connect HOST:PORT ...] [--balance roundrobin|leastconn|first]
                                          [--retries N] [--health-check DURATION]
                                          [--sni-route NAME=ENDPOINT ...] [--sni-timeout DURATION]
                   java -jar splice4j.jar @FILE [more arguments]
                   java -jar splice4j.jar --self-check
                   java -jar splice4j.jar --help
              --listen ADDRESS      accept clients here: HOST:PORT for TCP (port 0 picks a free port) or
                                    unix:/path/to.sock for a Unix socket (a stale socket file is replaced,
                                    any other file is not; the file is removed on exit)
              --connect ADDRESS     for each client, connect here (HOST:PORT or unix:/path) and relay both ways;
                                    repeat it for several servers; NAME=ADDRESS puts a server in a group of
                                    that name, which only clients routed there by --sni-route use
              --balance POLICY      which server a client gets, among those up: roundrobin (default: each in
                                    turn), leastconn (fewest active connections, ties by order) or first
                                    (the first given)
              --retries N           a client whose connect fails is tried on up to N other servers, 0..16
                                    (default 2); the server that failed is down for 1s, doubling to 30s
                                    while the next client that tries it fails too
              --health-check D      connect to each server every D, 100ms..576h (default: off); two failed
                                    checks in a row take it down, two good ones bring it back
              --sni-route N=E       read each client's TLS ClientHello first and send a client whose server
                                    name (SNI) is N to E: HOST:PORT, unix:/path or a --connect group's NAME;
                                    *.example.com takes any name one label longer; repeatable; exact names
                                    first, then *. names, then the default group (servers without NAME=);
                                    with none, other clients are closed; TLS is passed through untouched
              --sni-timeout D       how long a client may take to send its whole ClientHello, 1ms..576h
                                    (default 5s)
              --mode MODE           auto (default: zero-copy where possible), zero-copy (fail if not), portable
              --chunk-size SIZE     bytes per splice call and pipe size, 4k..16m, e.g. 65536, 64k, 1m
                                    (default 256k); SIZE times --loops at most 128m, the engine's pipe pool
              --loops N             event-loop threads that run the relays, 1..256 (default: one per core,
                                    at most 256)
              --max-connections N   clients served at once, 1..1073741824; past it the forwarder stops
                                    accepting and clients wait in the listen backlog
                                    (default: what the open-files limit allows, 2 fds per connection after
                                    the pipe pool and a reserve)
              --connect-timeout D   how long a connect to the upstream may take, 1ms..576h (default 10s)
              --idle-timeout D      close a connection that moved no byte either way for this long,
                                    1ms..576h (default: none, connections may stay idle forever)
              --drain-timeout D     on SIGTERM/SIGINT stop accepting, let open connections finish for this
                                    long, then reset the rest, 0..576h (default 30s; 0 = at once); a second
                                    signal ends the drain at once
              --log-connections     log a line when a connection opens and when it ends (default: off;
                                    the forwarder logs its start, limit pauses, its own failures, a summary)
              --unix-mode MODE      permissions of the --listen unix: socket file, octal, e.g. 660
                                    (default: what the umask leaves)
              --send-proxy v1|v2    send a PROXY protocol header upstream before the client's bytes: the
                                    client's addresses, or those of its own header with --accept-proxy
                                    (Unix clients: PROXY UNKNOWN in v1, UNSPEC in v2)
              --accept-proxy        each client must first send a PROXY header (v1 or v2), which is checked
                                    strictly; a client whose header is malformed or late is closed
              --proxy-timeout D     how long a client may take to send its PROXY header, 1ms..576h
                                    (default 5s)
              --reuseport           set SO_REUSEPORT on the TCP listener: forwarders started with it can
                                    listen on one port, and the kernel spreads new clients over them
              --keepalive I,N,C     TCP keepalive on client and upstream sockets: the first probe after I
                                    idle, then one every N, the connection dropped after C unanswered
                                    probes, e.g. 60s,10s,5; I and N 1s..32767s, C 1..127 (default: the
                                    system's, usually off; Unix sockets have none)
              --access-log FILE     when a connection ends, append a JSON line on it to FILE (- for standard
                                    output): start, duration, client, upstream, bytes and path each way,
                                    how it ended; lines the file can't take in time are dropped and counted
              --metrics-listen A    serve Prometheus metrics at http://A/metrics, A as HOST:PORT (port 0
                                    picks a free one; the start line names it): connections, bytes, ends,
                                    timeouts, rejections, the pipe pool, per upstream server
              @FILE                 read arguments from FILE, as java does: separated by white space, # starts
                                    a comment, quotes ("a b" or 'a b') for values with spaces
              --self-check          push 1 GiB through an in-process forwarder, zero-copy and portable,
                                    verify SHA-256, print throughput and CPU per GiB
            Durations need a unit: 500ms, 30s, 5m, 1h (only 0 may go without); 576h is 24 days.
            IPv6 hosts go in brackets: [::1]:8080""";

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException with a one-line message for people if they are wrong
     */
    static ForwarderArgs parse(String... args) {
        Builder builder = new Builder();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--help", "-h" -> {
                    return new Builder().help();
                }
                case "--self-check" -> builder.selfCheck = true;
                case "--listen" -> builder.listen = Endpoints.parse(option, value(args, ++i, option));
                case "--connect", "--balance", "--retries", "--health-check", "--sni-route", "--sni-timeout" ->
                        builder.upstream = builder.upstream.with(option, value(args, ++i, option));
                case "--mode" -> builder.mode = mode(value(args, ++i, option));
                case "--chunk-size" -> builder.chunkSize = NumericFlag.CHUNK_SIZE.intValue(value(args, ++i, option));
                case "--loops" -> builder.loops = NumericFlag.LOOPS.intValue(value(args, ++i, option));
                case "--max-connections" -> builder.maxConnections = OptionalInt.of(
                        NumericFlag.MAX_CONNECTIONS.intValue(value(args, ++i, option)));
                case "--connect-timeout" -> builder.connectTimeout = NumericFlag.CONNECT_TIMEOUT.duration(
                        value(args, ++i, option));
                case "--idle-timeout" -> builder.idleTimeout = Optional.of(NumericFlag.IDLE_TIMEOUT.duration(
                        value(args, ++i, option)));
                case "--drain-timeout" -> builder.drainTimeout = NumericFlag.DRAIN_TIMEOUT.duration(
                        value(args, ++i, option));
                case "--log-connections" -> builder.logConnections = true;
                default -> {
                    int at = i;
                    Supplier<String> value = () -> value(args, at + 1, option);
                    EdgeOptions edge = builder.edge.with(option, value);
                    if (edge != null) {
                        builder.edge = edge;
                        i += EdgeOptions.takesValue(option) ? 1 : 0;
                    } else {
                        OpsOptions ops = builder.ops.with(option, value);
                        if (ops == null) {
                            throw new IllegalArgumentException("unknown argument: " + ArgText.quoted(option));
                        }
                        builder.ops = ops;
                        i += OpsOptions.takesValue(option) ? 1 : 0;
                    }
                }
            }
        }
        return builder.build();
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static SpliceMode mode(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> SpliceMode.AUTO;
            case "zero-copy" -> SpliceMode.ZERO_COPY;
            case "portable" -> SpliceMode.PORTABLE;
            default -> throw new IllegalArgumentException("--mode wants auto, zero-copy or portable, got "
                    + ArgText.quoted(text));
        };
    }

    /** Formats a duration the way the duration flags read it, in the largest unit that is exact. */
    static String format(Duration duration) {
        return NumericFlag.showDuration(duration);
    }

    /** The flags as they are parsed, with their defaults; {@link #build()} checks how they combine. */
    private static final class Builder {
        SocketAddress listen;
        UpstreamOptions upstream = UpstreamOptions.NONE;
        SpliceMode mode = SpliceMode.AUTO;
        int chunkSize = DEFAULT_CHUNK_SIZE;
        /** Zero until --loops is given: one per core, within the flag's range. */
        int loops;
        OptionalInt maxConnections = OptionalInt.empty();
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Optional<Duration> idleTimeout = Optional.empty();
        Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        boolean logConnections;
        boolean selfCheck;
        EdgeOptions edge = EdgeOptions.NONE;
        OpsOptions ops = OpsOptions.NONE;

        /** The defaults, asking for the usage. */
        ForwarderArgs help() {
            return args(true);
        }

        /**
         * The arguments, once they are checked together.
         *
         * @throws IllegalArgumentException if one needs or excludes another, or the pipe pool can't
         *         hold a pipe of the chunk size for every loop
         */
        ForwarderArgs build() {
            if (selfCheck) {
                if (listen != null || upstream.any()) {
                    throw new IllegalArgumentException("--self-check takes no --listen, --connect or --sni-route");
                }
            } else if (listen == null || !upstream.any()) {
                throw new IllegalArgumentException(listen == null ? "--listen is required" : "--connect is required");
            } else if (edge.unixMode().isPresent() && Endpoints.unixPath(listen) == null) {
                throw new IllegalArgumentException("--unix-mode needs --listen unix:/path");
            } else {
                ops.check(listen, upstream.addresses());
            }
            upstream.check();
            ForwarderArgs args = args(false);
            // Each loop must be able to open one pipe of the chunk size: zero-copy relays would
            // fail on an empty pool, and auto ones copy everything.
            if ((long) args.chunkSize() * args.loops() > RelayRunner.MAX_PIPE_BYTES) {
                throw new IllegalArgumentException("--chunk-size " + NumericFlag.showBytes(args.chunkSize())
                        + " times --loops " + args.loops() + (loops == 0 ? " (one per core)" : "")
                        + " is more than the engine's pipe pool holds: their product must be at most "
                        + NumericFlag.showBytes(RelayRunner.MAX_PIPE_BYTES));
            }
            return args;
        }

        private ForwarderArgs args(boolean help) {
            int resolvedLoops = loops != 0 ? loops
                    : (int) Math.min(Runtime.getRuntime().availableProcessors(), NumericFlag.LOOPS.max());
            return new ForwarderArgs(listen, upstream, mode, chunkSize, resolvedLoops, maxConnections, connectTimeout,
                    idleTimeout, drainTimeout, logConnections, selfCheck, help, edge, ops);
        }
    }
}
