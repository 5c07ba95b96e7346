package io.splice4j.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS ClientHellos as real clients send them, from the JDK's own {@link SSLEngine}, and broken
 * ones made from them by random edits, for the parser's tests and the forwarder's routing by
 * server name.
 */
public final class ClientHellos {

    private ClientHellos() {
    }

    /**
     * The first flight of a client-mode engine: one record holding its ClientHello.
     *
     * @param protocol {@code TLSv1.2} or {@code TLSv1.3}
     * @param serverName the SNI host name, or null for none
     * @param alpn the ALPN protocols, none for no ALPN extension
     * @return the record's bytes
     */
    public static byte[] jdk(String protocol, String serverName, String... alpn) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            // An engine without a peer host sends no server_name of its own.
            SSLEngine engine = serverName == null ? context.createSSLEngine() : context.createSSLEngine(serverName, 443);
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setProtocols(new String[] {protocol});
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            parameters.setApplicationProtocols(alpn);
            engine.setSSLParameters(parameters);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
            if (result.getStatus() != SSLEngineResult.Status.OK || result.bytesProduced() == 0) {
                throw new AssertionError("no ClientHello: " + result);
            }
            return Arrays.copyOf(out.array(), out.position());
        } catch (GeneralSecurityException | SSLException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Up to four edits (byte changes, nudges of a length by one, insertions, deletions), then often
     * a cut or more bytes.
     *
     * @param valid the bytes to start from, left as they are
     * @param random where the edits come from
     * @return the edited bytes
     */
    public static byte[] mutate(byte[] valid, Random random) {
        byte[] bytes = valid;
        for (int edits = 1 + random.nextInt(4); edits > 0 && bytes.length > 0; edits--) {
            // Half the edits go to the framing and the fixed fields, where lengths sit thickest.
            int at = random.nextBoolean() ? random.nextInt(Math.min(bytes.length, 60)) : random.nextInt(bytes.length);
            bytes = switch (random.nextInt(5)) {
                case 0 -> concat(Arrays.copyOf(bytes, at), Arrays.copyOfRange(bytes, at + 1, bytes.length));
                case 1 -> concat(Arrays.copyOf(bytes, at), new byte[] {(byte) random.nextInt(256)},
                        Arrays.copyOfRange(bytes, at, bytes.length));
                case 2 -> {
                    byte[] copy = bytes.clone();
                    copy[at] += random.nextBoolean() ? 1 : -1;
                    yield copy;
                }
                default -> {
                    byte[] copy = bytes.clone();
                    copy[at] = (byte) random.nextInt(256);
                    yield copy;
                }
            };
        }
        return switch (random.nextInt(3)) {
            case 0 -> Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            case 1 -> {
                byte[] more = new byte[random.nextInt(20)];
                random.nextBytes(more);
                yield concat(bytes, more);
            }
            default -> bytes;
        };
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }
}
