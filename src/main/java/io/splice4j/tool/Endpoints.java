package io.splice4j.tool;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The forwarder's two kinds of address on the command line and in its output: {@code HOST:PORT}
 * for TCP, {@code unix:/path/to.sock} for a Unix-domain socket.
 */
final class Endpoints {

    private static final String UNIX = "unix:";
    /** {@code sun_path} holds 108 bytes with the terminating NUL. */
    private static final int MAX_UNIX_PATH_BYTES = 107;

    private Endpoints() {
    }

    /**
     * Parses {@code unix:PATH} or {@code HOST:PORT}.
     *
     * @throws IllegalArgumentException naming {@code option} if the text is neither
     */
    static SocketAddress parse(String option, String text) {
        if (!text.startsWith(UNIX)) {
            return inet(option, text);
        }
        String path = text.substring(UNIX.length());
        if (path.isEmpty()) {
            throw new IllegalArgumentException(option + " wants unix:/path/to.sock, got " + ArgText.quoted(text));
        }
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_UNIX_PATH_BYTES) {
            throw new IllegalArgumentException(option + ": a Unix socket path has at most " + MAX_UNIX_PATH_BYTES
                    + " bytes, got " + ArgText.quoted(path));
        }
        try {
            return UnixDomainSocketAddress.of(Path.of(path));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(option + ": bad path in " + ArgText.quoted(text));
        }
    }

    private static InetSocketAddress inet(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(option + " wants HOST:PORT, got " + ArgText.quoted(text));
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": bad port in " + ArgText.quoted(text));
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(option + ": port out of range in " + ArgText.quoted(text));
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(option + ": unknown host " + ArgText.quoted(host));
        }
        return address;
    }

    /** The path of a Unix-domain address, or {@code null} for any other. */
    static Path unixPath(SocketAddress address) {
        return address instanceof UnixDomainSocketAddress unix ? unix.getPath() : null;
    }

    /**
     * An address as the flags write it, for the access log and metric labels: {@code HOST:PORT}
     * ({@code [v6]:PORT}), {@code unix:/path} ({@code unix:} alone for an unnamed Unix socket).
     */
    static String written(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return text(address);
    }

    /**
     * An address for people: {@code unix:/path} for a Unix socket ({@code unix:} alone for an
     * unnamed one, as Unix clients are), {@code /host:port} for TCP.
     */
    static String text(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix) {
            return UNIX + unix.getPath();
        }
        return address instanceof InetSocketAddress ? address.toString() : String.valueOf(address);
    }
}
