package io.splice4j.internal.proxy;

import io.splice4j.ProxyHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes the version 1 text line: {@code PROXY TCP4|TCP6 src dst srcport dstport\r\n}, or
 * {@code PROXY UNKNOWN\r\n}. {@link V1Scanner} reads it.
 */
public final class V1Line {

    /** The longest line the spec allows, CRLF included. */
    static final int MAX_LENGTH = 107;
    /** What every line starts with. */
    static final String PREFIX = "PROXY ";

    private V1Line() {
    }

    /**
     * Writes a header as a line.
     *
     * @param header the header; LOCAL and UNKNOWN become {@code PROXY UNKNOWN}
     * @return a buffer holding the line
     */
    public static ByteBuffer encode(ProxyHeader header) {
        String line;
        if (header.command() == ProxyHeader.Command.LOCAL || header.family() == ProxyHeader.Family.UNKNOWN) {
            line = PREFIX + "UNKNOWN\r\n";
        } else {
            InetSocketAddress source = header.source().orElseThrow();
            InetSocketAddress destination = header.destination().orElseThrow();
            boolean ipv6 = header.family() == ProxyHeader.Family.TCP6;
            line = PREFIX + header.family() + " " + literal(source.getAddress(), ipv6) + " "
                    + literal(destination.getAddress(), ipv6) + " " + source.getPort() + " " + destination.getPort()
                    + "\r\n";
        }
        return ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
    }

    private static String literal(InetAddress address, boolean ipv6) {
        byte[] bytes = address.getAddress();
        return ipv6 ? AddressText.ipv6Text(bytes) : AddressText.ipv4Text(bytes);
    }
}
