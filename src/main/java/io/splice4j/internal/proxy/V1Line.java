package io.splice4j.internal.proxy;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyProtocolException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The version 1 text line: {@code PROXY TCP4|TCP6 src dst srcport dstport\r\n}, or
 * {@code PROXY UNKNOWN} followed by anything up to CRLF; at most 107 bytes with the CRLF.
 *
 * <p>{@link #checkStart} runs after every byte until the LF, so a line fails at the first byte
 * that no valid line could have, with the same message however the bytes were split.
 */
public final class V1Line {

    /** The longest line the spec allows, CRLF included. */
    public static final int MAX_LENGTH = 107;
    /** What every line starts with. */
    static final String PREFIX = "PROXY ";

    private static final List<String> PROTOCOLS = List.of("TCP4", "TCP6", "UNKNOWN");
    private static final String[] FIELDS = {"source address", "destination address", "source port", "destination port"};

    private V1Line() {
    }

    /**
     * Checks that {@code length} bytes, with no LF among them, can begin a valid line.
     *
     * @param line the bytes received
     * @param length how many, at least 1
     * @throws ProxyProtocolException if no valid line starts so
     */
    public static void checkStart(byte[] line, int length) throws ProxyProtocolException {
        checkPrefix(line, length);
        if (length <= PREFIX.length()) {
            return;
        }
        boolean endsInCr = line[length - 1] == '\r';
        int end = endsInCr ? length - 1 : length;
        for (int i = PREFIX.length(); i < end; i++) {
            if (line[i] == '\r') {
                throw new ProxyProtocolException("v1 header has a CR not followed by LF");
            }
        }
        // Only LF may follow a CR, so what precedes one must already be a whole line.
        fields(text(line, end), endsInCr);
        if (length + (endsInCr ? 1 : 2) > MAX_LENGTH) {
            throw new ProxyProtocolException("v1 header without CRLF within " + MAX_LENGTH + " bytes");
        }
    }

    /**
     * Decodes a line that {@link #checkStart} accepted up to its last byte, an LF.
     *
     * @param line the bytes received
     * @param length how many, the last one an LF
     * @return the header
     * @throws ProxyProtocolException if the line is not valid
     */
    public static ProxyHeader decode(byte[] line, int length) throws ProxyProtocolException {
        if (length < 2 || line[length - 2] != '\r') {
            throw new ProxyProtocolException("v1 header has an LF without CR");
        }
        checkPrefix(line, length);
        String[] fields = fields(text(line, length - 2), true);
        if (fields == null) {
            return ProxyHeader.unknown();
        }
        boolean ipv6 = text(line, length).startsWith("TCP6");
        return ProxyHeader.of(new InetSocketAddress(address(fields[0], ipv6), Integer.parseInt(fields[2])),
                new InetSocketAddress(address(fields[1], ipv6), Integer.parseInt(fields[3])));
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

    private static void checkPrefix(byte[] line, int length) throws ProxyProtocolException {
        for (int i = 0; i < Math.min(length, PREFIX.length()); i++) {
            if (line[i] != PREFIX.charAt(i)) {
                throw new ProxyProtocolException("bad signature: a v1 header starts with \"PROXY \", not \""
                        + Printable.escape(line, 0, Math.min(length, PREFIX.length())) + "\"");
            }
        }
    }

    /**
     * Checks what follows {@code PROXY }, complete or a start.
     *
     * @return the four TCP fields when {@code complete}, or null for UNKNOWN (or an incomplete line)
     */
    private static String[] fields(String rest, boolean complete) throws ProxyProtocolException {
        int space = rest.indexOf(' ');
        String protocol = space < 0 ? rest : rest.substring(0, space);
        // A protocol name still arriving needs only to be the start of one.
        boolean known = space < 0 && !complete ? PROTOCOLS.stream().anyMatch(p -> p.startsWith(protocol))
                : PROTOCOLS.contains(protocol);
        if (!known) {
            throw new ProxyProtocolException("v1 protocol \"" + Printable.escape(protocol)
                    + "\" is not TCP4, TCP6 or UNKNOWN");
        }
        if (protocol.equals("UNKNOWN")) {
            return null; // the spec has receivers ignore the rest of an UNKNOWN line
        }
        if (space < 0) {
            if (complete) {
                throw new ProxyProtocolException("v1 " + protocol + " header has no addresses or ports");
            }
            return null;
        }
        String[] fields = rest.substring(space + 1).split(" ", -1);
        if (fields.length > 4) {
            throw new ProxyProtocolException("v1 " + protocol + " header has more than 4 fields after " + protocol);
        }
        boolean ipv6 = protocol.equals("TCP6");
        for (int i = 0; i < fields.length; i++) {
            boolean whole = complete || i < fields.length - 1;
            boolean valid = i < 2 ? (ipv6 ? AddressText.isIpv6(fields[i], whole) : AddressText.isIpv4(fields[i], whole))
                    : AddressText.isPort(fields[i], whole);
            if (!valid) {
                String kind = i < 2 ? (ipv6 ? "an IPv6 address" : "an IPv4 address") : "a port (0-65535)";
                throw new ProxyProtocolException("v1 " + FIELDS[i] + " \"" + Printable.escape(fields[i])
                        + "\" is not " + kind);
            }
        }
        if (complete && fields.length < 4) {
            throw new ProxyProtocolException("v1 " + protocol + " header has " + fields.length
                    + " of the 4 fields (addresses and ports)");
        }
        return fields;
    }

    private static InetAddress address(String literal, boolean ipv6) {
        try {
            return ipv6 ? Inet6Address.getByAddress(null, AddressText.ipv6Bytes(literal), -1)
                    : InetAddress.getByAddress(AddressText.ipv4Bytes(literal));
        } catch (UnknownHostException e) {
            throw new AssertionError("a checked literal has the right length", e);
        }
    }

    private static String literal(InetAddress address, boolean ipv6) {
        byte[] bytes = address.getAddress();
        return ipv6 ? AddressText.ipv6Text(bytes) : AddressText.ipv4Text(bytes);
    }

    private static String text(byte[] line, int end) {
        return new String(line, PREFIX.length(), Math.max(0, end - PREFIX.length()), StandardCharsets.ISO_8859_1);
    }
}
