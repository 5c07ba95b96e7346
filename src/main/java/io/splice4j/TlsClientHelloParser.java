package io.splice4j;

import io.splice4j.internal.SingleUse;
import io.splice4j.internal.tls.HelloCollector;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Reads one TLS ClientHello from bytes fed in as they arrive: from an event loop's reads or a
 * blocking reader's. The bytes are only read: a router passes all of them on to the server it picks.
 *
 * <p>{@link #feed} takes bytes from the buffer's position up to the end of the last TLS record that
 * carries the hello and no further, so that what the client sent after it stays in the buffer. The
 * hello may span several records and arrive in pieces of any size. Framing is checked as it arrives,
 * so input that no ClientHello begins with (an HTTP request, say) fails at the first byte that shows
 * it; the message is decoded once complete. The checks are strict:
 * <ul>
 * <li>Records: handshake type (0x16), version 3.x, 1 to 16384 bytes; the record that ends the hello
 *     ends with it. SSLv2-compatible hellos are rejected.</li>
 * <li>The message: type ClientHello (1); every length inside it exactly filled: session id, cipher
 *     suites, compression methods and extensions, no extension type twice.</li>
 * <li>Extensions read: {@code server_name} (at most one {@code host_name}, a DNS name as
 *     {@link TlsClientHello#serverName()} describes), ALPN (non-empty names) and
 *     {@code supported_versions}. Others are only framed.</li>
 * <li>Size: the records, headers included, at most the limit; a hello that can't end within it
 *     fails as soon as its lengths show that, so no byte past the limit is ever taken.</li>
 * </ul>
 *
 * <p>One parser reads one hello and is then spent. It is not thread-safe.
 */
public final class TlsClientHelloParser {

    /**
     * The default limit on the bytes taken, 17408 (17 KiB): a ClientHello of 16 KiB, far more than
     * clients send even with post-quantum key shares, with room for the headers of its records.
     */
    public static final int DEFAULT_MAX_BYTES = 17 * 1024;

    /** The least limit a parser takes: the bytes of the smallest possible ClientHello, {@value}. */
    public static final int MIN_MAX_BYTES = HelloCollector.MIN_BYTES;

    private final HelloCollector collector;
    private final SingleUse life = new SingleUse("ClientHello");

    /** Creates a parser with the default limit, {@value #DEFAULT_MAX_BYTES} bytes. */
    public TlsClientHelloParser() {
        this(DEFAULT_MAX_BYTES);
    }

    /**
     * Creates a parser.
     *
     * @param maxBytes the most bytes to take, record headers included: at least
     *     {@value #MIN_MAX_BYTES}. Bounds the memory a peer can make the parser hold.
     * @throws IllegalArgumentException if less
     */
    public TlsClientHelloParser(int maxBytes) {
        if (maxBytes < MIN_MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes must be at least " + MIN_MAX_BYTES + ": " + maxBytes);
        }
        this.collector = new HelloCollector(maxBytes);
    }

    /**
     * Takes the next bytes from {@code input}, from its position to its limit.
     *
     * <p>Until the hello is complete every byte is taken (the position reaches the limit) and the
     * result is empty: feed more. Once it is complete, the position is just past its last record:
     * the bytes from there on are the client's next ones. After a failure the position is somewhere
     * within the bytes examined.
     *
     * @param input bytes from the peer, not null
     * @return the hello once complete, else empty
     * @throws TlsClientHelloException if the bytes fed so far begin no valid ClientHello within the limit
     * @throws IllegalStateException if this parser already returned a hello or failed
     */
    public Optional<TlsClientHello> feed(ByteBuffer input) throws TlsClientHelloException {
        life.check(input);
        try {
            return life.returned(collector.feed(input));
        } catch (TlsClientHelloException e) {
            throw life.failed(e);
        }
    }

    /**
     * Counts the bytes taken so far.
     *
     * @return the bytes taken by all calls to {@link #feed}; once the hello is complete, its
     *     records' length, {@link TlsClientHello#bytesConsumed()}
     */
    public int bytesConsumed() {
        return collector.consumed();
    }
}
