package io.splice4j.internal.tls;

import io.splice4j.TlsClientHelloException;
import io.splice4j.internal.Printable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ClientHello's extensions: {@code server_name} (RFC 6066), ALPN (RFC 7301) and
 * {@code supported_versions} (RFC 8446) are read, every other one only framed. No type may appear
 * twice (RFC 8446, 4.2).
 */
final class Extensions {

    private static final int SERVER_NAME = 0;
    private static final int ALPN = 16;
    private static final int SUPPORTED_VERSIONS = 43;
    private static final int HOST_NAME = 0;
    /** How much of a bad host name a message shows. */
    private static final int SHOWN = 64;

    /** The host name in lower case, or null if none was sent. */
    String serverName;
    List<String> alpn = List.of();
    List<Integer> supportedVersions = List.of();

    private Extensions() {
    }

    /** Extensions of a hello that has none. */
    static Extensions none() {
        return new Extensions();
    }

    /**
     * Reads a list of extensions.
     *
     * @param list the list, without its length
     * @return what they say
     * @throws TlsClientHelloException if an extension is cut off, repeated or malformed
     */
    static Extensions read(Cursor list) throws TlsClientHelloException {
        Extensions found = new Extensions();
        Set<Integer> seen = new HashSet<>();
        while (list.hasRemaining()) {
            int type = list.u16("extension type");
            String name = name(type);
            Cursor data = list.region(list.u16(name + " length"), name, name);
            if (!seen.add(type)) {
                throw list.fail(name + " appears twice");
            }
            switch (type) {
                case SERVER_NAME -> found.serverName = serverName(data);
                case ALPN -> found.alpn = alpn(data);
                case SUPPORTED_VERSIONS -> found.supportedVersions = supportedVersions(data);
                default -> {
                    // Framed above; its content is no router's business.
                }
            }
        }
        return found;
    }

    private static String name(int type) {
        return switch (type) {
            case SERVER_NAME -> "server_name extension";
            case ALPN -> "ALPN extension";
            case SUPPORTED_VERSIONS -> "supported_versions extension";
            default -> String.format("extension 0x%04x", type);
        };
    }

    /** A list of names of which at most one is a host name; other name types are skipped, as RFC 6066 foresees more. */
    private static String serverName(Cursor data) throws TlsClientHelloException {
        Cursor list = data.lastList16("server_name_list", 1);
        String hostName = null;
        while (list.hasRemaining()) {
            int type = list.u8("name_type");
            int length = list.u16("name length");
            if (type != HOST_NAME) {
                list.skip(length, "name");
                continue;
            }
            if (hostName != null) {
                throw list.fail("more than one host_name");
            }
            String name = list.latin1(length, "host_name");
            String problem = DnsName.problem(name);
            if (problem != null) {
                throw list.fail("host_name " + quoted(name) + " is not a DNS name: " + problem);
            }
            hostName = DnsName.canonical(name);
        }
        return hostName;
    }

    private static List<String> alpn(Cursor data) throws TlsClientHelloException {
        Cursor list = data.lastList16("protocol_name_list", 2);
        List<String> names = new ArrayList<>();
        while (list.hasRemaining()) {
            int length = list.u8("protocol name length");
            if (length == 0) {
                throw list.fail("an empty protocol name");
            }
            names.add(list.latin1(length, "protocol name"));
        }
        return names;
    }

    private static List<Integer> supportedVersions(Cursor data) throws TlsClientHelloException {
        int length = data.u8("versions length");
        Cursor list = data.region(length, "versions", "supported_versions extension");
        if (length < 2 || length % 2 != 0) {
            throw data.fail("versions length " + length + " is not an even number from 2 to 254");
        }
        data.expectEnd("versions");
        List<Integer> versions = new ArrayList<>();
        while (list.hasRemaining()) {
            versions.add(list.u16("version"));
        }
        return versions;
    }

    /** The name escaped and quoted, at most {@value #SHOWN} bytes of it. */
    private static String quoted(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length <= SHOWN) {
            return "\"" + Printable.escape(bytes, 0, bytes.length) + "\"";
        }
        return "\"" + Printable.escape(bytes, 0, SHOWN) + "...\" (" + bytes.length + " bytes)";
    }
}
