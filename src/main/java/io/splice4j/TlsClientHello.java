package io.splice4j;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a TLS ClientHello tells a router that passes TLS through without terminating it, in the way
 * of HAProxy's {@code req.ssl_sni} or nginx's {@code ssl_preread}: the server name, the application
 * protocols and the versions offered, enough to pick an upstream before relaying the hello's bytes
 * to it untouched.
 *
 * <p>Get one from a {@link TlsClientHelloParser} or {@link TlsPreread#read}.
 *
 * {@snippet :
 * TlsPreread.Received received = TlsPreread.read(accepted, Duration.ofSeconds(5));
 * SocketChannel upstream = SocketChannel.open(routes.get(received.hello().serverName().orElse("")));
 * // The upstream's TLS server needs the hello too: send every byte read first.
 * SpliceOptions options = SpliceOptions.builder().firstBytesAtoB(received.bytes()).build();
 * }
 *
 * @param serverName the {@code host_name} of the {@code server_name} extension (SNI) in lower case,
 *     checked as a DNS name: ASCII letters, digits and hyphens in labels of 1 to 63, at most 253 in
 *     all, no trailing dot, not an IPv4 address; empty if the client sent none
 * @param alpn the protocol names of the ALPN extension in the client's order, such as {@code h2},
 *     a byte a character (ISO-8859-1, as the JDK's own ALPN strings); empty if it sent none
 * @param legacyVersion the hello's {@code legacy_version}: {@code 0x0303} for TLS 1.2, and for
 *     TLS 1.3, which is offered in {@code supportedVersions}
 * @param supportedVersions the {@code supported_versions} extension's list in the client's order,
 *     such as {@code 0x0304} for TLS 1.3, GREASE values included; empty if it sent none, as
 *     clients of TLS 1.2 and older do
 * @param bytesConsumed the bytes of the TLS records that carried the hello, their headers included
 */
public record TlsClientHello(Optional<String> serverName, List<String> alpn, int legacyVersion,
        List<Integer> supportedVersions, int bytesConsumed) {

    /**
     * Checks the components and copies the lists.
     *
     * @param serverName not null
     * @param alpn not null, no null names
     * @param legacyVersion the version field
     * @param supportedVersions not null, no null versions
     * @param bytesConsumed the bytes read
     */
    public TlsClientHello {
        Objects.requireNonNull(serverName, "serverName");
        alpn = List.copyOf(alpn);
        supportedVersions = List.copyOf(supportedVersions);
    }
}
