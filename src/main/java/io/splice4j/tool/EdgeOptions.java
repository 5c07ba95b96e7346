package io.splice4j.tool;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The forwarder's options for where it sits between other programs: the mode of a Unix socket it
 * listens on, and the PROXY protocol it sends upstream and accepts from clients.
 *
 * @param unixMode permissions of the listening Unix socket file, or empty for what the umask gives
 * @param sendProxy the PROXY protocol version to send upstream first, or empty for none
 * @param acceptProxy whether each client must start with a PROXY header
 * @param proxyTimeout how long a client may take to send its whole PROXY header
 */
record EdgeOptions(Optional<Set<PosixFilePermission>> unixMode, Optional<ProxyVersion> sendProxy,
        boolean acceptProxy, Duration proxyTimeout) {

    /** The PROXY protocol's two versions. */
    enum ProxyVersion { V1, V2 }

    static final Duration DEFAULT_PROXY_TIMEOUT = Duration.ofSeconds(5);

    static final EdgeOptions NONE = new EdgeOptions(Optional.empty(), Optional.empty(), false, DEFAULT_PROXY_TIMEOUT);

    /**
     * Returns these options with {@code option} applied, or {@code null} if it is not one of these.
     *
     * @param value the option's value, asked for only by options that take one
     * @throws IllegalArgumentException with a message for people if the value is wrong
     */
    EdgeOptions with(String option, Supplier<String> value) {
        return switch (option) {
            case "--unix-mode" -> new EdgeOptions(Optional.of(mode(value.get())), sendProxy, acceptProxy, proxyTimeout);
            case "--send-proxy" -> new EdgeOptions(unixMode, Optional.of(version(value.get())), acceptProxy,
                    proxyTimeout);
            case "--accept-proxy" -> new EdgeOptions(unixMode, sendProxy, true, proxyTimeout);
            case "--proxy-timeout" -> new EdgeOptions(unixMode, sendProxy, acceptProxy,
                    NumericFlag.PROXY_TIMEOUT.duration(value.get()));
            default -> null;
        };
    }

    /** Whether {@code option}, one of these, is followed by a value. */
    static boolean takesValue(String option) {
        return !option.equals("--accept-proxy");
    }

    /** Parses an octal mode of the permission bits only, such as 660 or 0600. */
    static Set<PosixFilePermission> mode(String text) {
        if (!text.matches("0?[0-7]{3}")) {
            throw new IllegalArgumentException("--unix-mode wants octal permissions such as 660 or 0600, got "
                    + ArgText.quoted(text));
        }
        int bits = Integer.parseInt(text, 8);
        StringBuilder symbolic = new StringBuilder(9);
        for (int shift = 8; shift >= 0; shift--) {
            symbolic.append((bits & (1 << shift)) == 0 ? '-' : "rwx".charAt((8 - shift) % 3));
        }
        return PosixFilePermissions.fromString(symbolic.toString());
    }

    private static ProxyVersion version(String text) {
        return switch (text) {
            case "v1", "1" -> ProxyVersion.V1;
            case "v2", "2" -> ProxyVersion.V2;
            default -> throw new IllegalArgumentException("--send-proxy wants v1 or v2, got " + ArgText.quoted(text));
        };
    }
}
