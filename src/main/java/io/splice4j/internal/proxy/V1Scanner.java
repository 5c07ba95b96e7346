package io.splice4j.internal.proxy;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyProtocolException;
import io.splice4j.internal.Printable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads a version 1 line one byte at a time: {@code PROXY TCP4|TCP6 src dst srcport dstport\r\n},
 * or {@code PROXY UNKNOWN} followed by anything up to CRLF; at most 107 bytes with the CRLF.
 *
 * <p>Each byte is checked as it comes, against the token it extends: a token is checked as a start
 * while it grows, and whole at the space or CR that ends it. So a line fails at the first byte no
 * valid line could have, with the same message however its bytes were split, at a cost per byte
 * bounded by the longest token (39 characters).
 */
final class V1Scanner {

    private static final List<String> PROTOCOLS = List.of("TCP4", "TCP6", "UNKNOWN");
    private static final String[] NAMES = {"source address", "destination address", "source port", "destination port"};

    private final byte[] line = new byte[V1Line.MAX_LENGTH];
    private int length;
    /** Where the token being read starts. */
    private int tokenStart = V1Line.PREFIX.length();
    /** The token being read: -1 for the protocol, then 0 to 3 for the fields. */
    private int field = -1;
    /** The protocol, once its token is whole. */
    private String protocol;
    private final String[] fields = new String[4];
    /** The field being read. */
    private LiteralReader literal;
    private boolean afterCr;

    /**
     * Takes the next byte of the line.
     *
     * @param b the byte
     * @return the header once {@code b} is the final LF, else null
     * @throws ProxyProtocolException if no valid line starts with the bytes so far
     */
    ProxyHeader accept(byte b) throws ProxyProtocolException {
        line[length++] = b;
        if (length <= V1Line.PREFIX.length()) {
            if (b != V1Line.PREFIX.charAt(length - 1)) {
                throw new ProxyProtocolException("bad signature: a v1 header starts with \"PROXY \", not \""
                        + Printable.escape(line, 0, length) + "\"");
            }
            return null;
        }
        if (afterCr) {
            if (b != '\n') {
                throw new ProxyProtocolException("v1 header has a CR not followed by LF");
            }
            return header();
        }
        if (b == '\n') {
            throw new ProxyProtocolException("v1 header has an LF without CR");
        }
        if (b == '\r') {
            // Only LF may follow: the line must be whole now.
            afterCr = true;
            if (!"UNKNOWN".equals(protocol)) {
                endToken(true);
            }
        } else if (!"UNKNOWN".equals(protocol)) {
            if (b == ' ') {
                endToken(false);
            } else {
                checkTokenStart();
            }
        }
        if (length + (afterCr ? 1 : 2) > V1Line.MAX_LENGTH) {
            throw new ProxyProtocolException("v1 header without CRLF within " + V1Line.MAX_LENGTH + " bytes");
        }
        return null;
    }

    /** Checks the growing token, the newest byte its last. */
    private void checkTokenStart() throws ProxyProtocolException {
        if (field < 0) {
            String token = token();
            if (PROTOCOLS.stream().noneMatch(p -> p.startsWith(token))) {
                throw badProtocol(token);
            }
        } else if (!literal.accept((char) (line[length - 1] & 0xFF))) {
            throw badField();
        }
    }

    /** Checks the token whole, ended by a space or, if {@code lineEnds}, by the CR. */
    private void endToken(boolean lineEnds) throws ProxyProtocolException {
        String token = token();
        if (field < 0) {
            if (!PROTOCOLS.contains(token)) {
                throw badProtocol(token);
            }
            protocol = token;
            if (lineEnds && !protocol.equals("UNKNOWN")) {
                throw new ProxyProtocolException("v1 " + protocol + " header has no addresses or ports");
            }
        } else {
            if (field == 3 && !lineEnds) {
                throw new ProxyProtocolException("v1 " + protocol + " header has more than 4 fields");
            }
            if (!literal.isComplete()) {
                throw badField();
            }
            fields[field] = token;
            if (lineEnds && field < 3) {
                throw new ProxyProtocolException("v1 " + protocol + " header has " + (field + 1)
                        + " of the 4 fields (addresses and ports)");
            }
        }
        field++;
        tokenStart = length;
        if (field < 4 && !protocol.equals("UNKNOWN")) {
            literal = new LiteralReader(field >= 2 ? LiteralReader.Kind.PORT
                    : protocol.equals("TCP6") ? LiteralReader.Kind.IPV6 : LiteralReader.Kind.IPV4);
        }
    }

    private ProxyProtocolException badField() {
        String kind = field >= 2 ? "a port (0-65535)" : protocol.equals("TCP6") ? "an IPv6 address" : "an IPv4 address";
        return new ProxyProtocolException("v1 " + NAMES[field] + " \"" + Printable.escape(token()) + "\" is not " + kind);
    }

    private ProxyHeader header() {
        if (protocol.equals("UNKNOWN")) {
            return ProxyHeader.unknown(); // the spec has receivers ignore the rest of an UNKNOWN line
        }
        boolean ipv6 = protocol.equals("TCP6");
        return ProxyHeader.of(new InetSocketAddress(address(fields[0], ipv6), Integer.parseInt(fields[2])),
                new InetSocketAddress(address(fields[1], ipv6), Integer.parseInt(fields[3])));
    }

    private static InetAddress address(String literal, boolean ipv6) {
        try {
            // Inet6Address keeps IPv4-mapped addresses IPv6, so the family survives a round trip.
            return ipv6 ? Inet6Address.getByAddress(null, AddressText.ipv6Bytes(literal), -1)
                    : InetAddress.getByAddress(AddressText.ipv4Bytes(literal));
        } catch (UnknownHostException e) {
            throw new AssertionError("a checked literal has the right length", e);
        }
    }

    /** The token from its start to the newest byte, which ends it if a space or CR. */
    private String token() {
        int end = line[length - 1] == ' ' || line[length - 1] == '\r' ? length - 1 : length;
        return new String(line, tokenStart, end - tokenStart, StandardCharsets.ISO_8859_1);
    }

    private static ProxyProtocolException badProtocol(String token) {
        return new ProxyProtocolException("v1 protocol \"" + Printable.escape(token) + "\" is not TCP4, TCP6 or UNKNOWN");
    }
}
