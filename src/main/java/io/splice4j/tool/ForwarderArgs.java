package io.splice4j.tool;

import io.splice4j.SpliceMode;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The forwarder's command line, parsed and checked.
 *
 * @param listen where to accept clients: TCP (port 0 picks one) or a Unix socket
 * @param connect where to connect for each client: TCP or a Unix socket
 * @param mode the transfer mode
 * @param chunkSize bytes per call and pipe size
 * @param loops event-loop threads of the forwarder's engine
 * @param maxConnections the most clients served at once, or empty for what the fd limit allows
 * @param connectTimeout how long an upstream connect may take
 * @param idleTimeout how long a connection may move no byte, or empty for no limit
 * @param logConnections whether to log a line per connection
 * @param selfCheck whether to run the self-check instead of forwarding
 * @param help whether to print the usage and exit
 * @param edge the Unix socket mode and the PROXY protocol options
 */
record ForwarderArgs(SocketAddress listen, SocketAddress connect, SpliceMode mode, int chunkSize, int loops,
        OptionalInt maxConnections, Duration connectTimeout, Optional<Duration> idleTimeout, boolean logConnections,
        boolean selfCheck, boolean help, EdgeOptions edge) {

    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    static final String USAGE = """
            usage: java -jar splice4j.jar --listen HOST:PORT --connect HOST:PORT [--mode auto|zero-copy|portable]
                                          [--chunk-size SIZE] [--loops N] [--max-connections N]
                                          [--connect-timeout DURATION] [--idle-timeout DURATION] [--log-connections]
                                          [--unix-mode MODE] [--send-proxy v1|v2] [--accept-proxy]
                                          [--proxy-timeout DURATION]
                   java -jar splice4j.jar --self-check
                   java -jar splice4j.jar --help
              --listen ADDRESS      accept clients here: HOST:PORT for TCP (port 0 picks a free port) or
                                    unix:/path/to.sock for a Unix socket (a stale socket file is replaced,
                                    any other file is not; the file is removed on exit)
              --connect ADDRESS     for each client, connect here (HOST:PORT or unix:/path) and relay both ways
              --mode MODE           auto (default: zero-copy where possible), zero-copy (fail if not), portable
              --chunk-size SIZE     bytes per splice call and pipe size, e.g. 65536, 64k, 1m (default 256k)
              --loops N             event-loop threads that run the relays (default: one per core)
              --max-connections N   clients served at once; past it the forwarder stops accepting and
                                    clients wait in the listen backlog (default: what the open-files
                                    limit allows, 2 fds per connection after the pipe pool and a reserve)
              --connect-timeout D   how long a connect to the upstream may take (default 10s)
              --idle-timeout D      close a connection that moved no byte either way for this long
                                    (default: none, connections may stay idle forever)
              --log-connections     log a line when a connection opens and when it ends (default: off;
                                    the forwarder logs its start, limit pauses, its own failures, a summary)
              --unix-mode MODE      permissions of the --listen unix: socket file, octal, e.g. 660
                                    (default: what the umask leaves)
              --send-proxy v1|v2    send a PROXY protocol header upstream before the client's bytes: the
                                    client's addresses, or those of its own header with --accept-proxy
                                    (Unix clients: PROXY UNKNOWN in v1, UNSPEC in v2)
              --accept-proxy        each client must first send a PROXY header (v1 or v2), which is checked
                                    strictly; a client whose header is malformed or late is closed
              --proxy-timeout D     how long a client may take to send its PROXY header (default 5s)
              --self-check          push 1 GiB through an in-process forwarder, zero-copy and portable,
                                    verify SHA-256, print throughput and CPU per GiB
            Durations need a unit: 500ms, 30s, 5m, 1h.
            IPv6 hosts go in brackets: [::1]:8080""";

    private static final Pattern DURATION = Pattern.compile("(-?)(\\d{1,12})(ms|s|m|h)");

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException with a message for people if they are wrong
     */
    static ForwarderArgs parse(String... args) {
        SocketAddress listen = null;
        SocketAddress connect = null;
        SpliceMode mode = SpliceMode.AUTO;
        int chunkSize = 256 << 10;
        int loops = Runtime.getRuntime().availableProcessors();
        OptionalInt maxConnections = OptionalInt.empty();
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Optional<Duration> idleTimeout = Optional.empty();
        boolean logConnections = false;
        boolean selfCheck = false;
        EdgeOptions edge = EdgeOptions.NONE;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--help", "-h" -> {
                    return new ForwarderArgs(null, null, mode, chunkSize, loops, maxConnections, connectTimeout,
                            idleTimeout, false, false, true, edge);
                }
                case "--self-check" -> selfCheck = true;
                case "--listen" -> listen = Endpoints.parse(option, value(args, ++i, option));
                case "--connect" -> connect = Endpoints.parse(option, value(args, ++i, option));
                case "--mode" -> mode = mode(value(args, ++i, option));
                case "--chunk-size" -> chunkSize = size(value(args, ++i, option));
                case "--loops" -> loops = count(option, value(args, ++i, option));
                case "--max-connections" -> maxConnections = OptionalInt.of(count(option, value(args, ++i, option)));
                case "--connect-timeout" -> connectTimeout = duration(option, value(args, ++i, option));
                case "--idle-timeout" -> idleTimeout = Optional.of(duration(option, value(args, ++i, option)));
                case "--log-connections" -> logConnections = true;
                default -> {
                    int at = i;
                    EdgeOptions next = edge.with(option, () -> value(args, at + 1, option));
                    if (next == null) {
                        throw new IllegalArgumentException("unknown argument: " + option);
                    }
                    i += EdgeOptions.takesValue(option) ? 1 : 0;
                    edge = next;
                }
            }
        }
        if (selfCheck) {
            if (listen != null || connect != null) {
                throw new IllegalArgumentException("--self-check takes no --listen or --connect");
            }
        } else if (listen == null || connect == null) {
            throw new IllegalArgumentException(listen == null ? "--listen is required" : "--connect is required");
        } else if (edge.unixMode().isPresent() && Endpoints.unixPath(listen) == null) {
            throw new IllegalArgumentException("--unix-mode needs --listen unix:/path");
        }
        return new ForwarderArgs(listen, connect, mode, chunkSize, loops, maxConnections, connectTimeout, idleTimeout,
                logConnections, selfCheck, false, edge);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    static InetSocketAddress address(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(option + " wants HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": bad port in '" + text + "'");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(option + ": port out of range in '" + text + "'");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(option + ": unknown host '" + host + "'");
        }
        return address;
    }

    private static SpliceMode mode(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> SpliceMode.AUTO;
            case "zero-copy" -> SpliceMode.ZERO_COPY;
            case "portable" -> SpliceMode.PORTABLE;
            default -> throw new IllegalArgumentException("--mode wants auto, zero-copy or portable, got '" + text + "'");
        };
    }

    /** Parses a positive count such as a number of loops or connections. */
    static int count(String option, String text) {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " wants a whole number, got '" + text + "'");
        }
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be at least 1, got '" + text + "'");
        }
        return value;
    }

    /** Parses a positive duration with a unit: 500ms, 30s, 5m, 1h. */
    static Duration duration(String option, String text) {
        Matcher matcher = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException(option + " wants a duration with a unit such as 500ms, 30s, 5m or 1h, got '"
                    + text + "'");
        }
        long amount = Long.parseLong(matcher.group(2));
        if (amount == 0 || !matcher.group(1).isEmpty()) {
            throw new IllegalArgumentException(option + " must be longer than zero, got '" + text + "'");
        }
        return switch (matcher.group(3)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** Formats a duration the way {@link #duration} reads it, in the largest unit that is exact. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        } else if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        } else if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    /** Parses a byte count with an optional k, m or g suffix (binary multiples). */
    static int size(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        int shift = switch (lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? lower : lower.substring(0, lower.length() - 1);
        long value;
        try {
            value = Long.parseLong(digits) << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--chunk-size wants a byte count such as 65536, 64k or 1m, got '"
                    + text + "'");
        }
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--chunk-size must be between 1 and 2147483647 bytes, got '" + text + "'");
        }
        return (int) value;
    }
}
