package io.splice4j.tool;

import io.splice4j.SpliceMode;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * The forwarder's command line, parsed and checked.
 *
 * @param listen where to accept clients (port 0 picks one)
 * @param connect where to connect for each client
 * @param mode the transfer mode
 * @param chunkSize bytes per call and pipe size
 * @param selfCheck whether to run the self-check instead of forwarding
 * @param help whether to print the usage and exit
 */
record ForwarderArgs(InetSocketAddress listen, InetSocketAddress connect, SpliceMode mode, int chunkSize,
        boolean selfCheck, boolean help) {

    static final String USAGE = """
            usage: java -jar splice4j.jar --listen HOST:PORT --connect HOST:PORT [--mode auto|zero-copy|portable]
                                          [--chunk-size SIZE]
                   java -jar splice4j.jar --self-check
                   java -jar splice4j.jar --help
              --listen HOST:PORT    accept TCP clients here (port 0 picks a free port)
              --connect HOST:PORT   for each client, connect here and relay both ways
              --mode MODE           auto (default: zero-copy where possible), zero-copy (fail if not), portable
              --chunk-size SIZE     bytes per splice call and pipe size, e.g. 65536, 64k, 1m (default 1m)
              --self-check          push 1 GiB through an in-process forwarder, zero-copy and portable,
                                    verify SHA-256, print throughput and CPU per GiB
            IPv6 hosts go in brackets: [::1]:8080""";

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException with a message for people if they are wrong
     */
    static ForwarderArgs parse(String[] args) {
        InetSocketAddress listen = null;
        InetSocketAddress connect = null;
        SpliceMode mode = SpliceMode.AUTO;
        int chunkSize = 1 << 20;
        boolean selfCheck = false;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--help", "-h" -> {
                    return new ForwarderArgs(null, null, mode, chunkSize, false, true);
                }
                case "--self-check" -> selfCheck = true;
                case "--listen" -> listen = address(option, value(args, ++i, option));
                case "--connect" -> connect = address(option, value(args, ++i, option));
                case "--mode" -> mode = mode(value(args, ++i, option));
                case "--chunk-size" -> chunkSize = size(value(args, ++i, option));
                default -> throw new IllegalArgumentException("unknown argument: " + option);
            }
        }
        if (selfCheck) {
            if (listen != null || connect != null) {
                throw new IllegalArgumentException("--self-check takes no --listen or --connect");
            }
        } else if (listen == null || connect == null) {
            throw new IllegalArgumentException(listen == null ? "--listen is required" : "--connect is required");
        }
        return new ForwarderArgs(listen, connect, mode, chunkSize, selfCheck, false);
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
