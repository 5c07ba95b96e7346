package io.splice4j.internal.tls;

import io.splice4j.TlsClientHello;
import io.splice4j.TlsClientHelloException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Gathers one ClientHello from TLS records as bytes arrive, however the records and the stream are
 * cut: the handshake message may span any number of records (RFC 8446, 5.1), its 4-byte header
 * included. Each byte of framing is checked as it arrives, so input that no ClientHello starts with
 * fails at once; the body is decoded when complete. No byte past the hello's last record is taken.
 *
 * <p>Strict where a client has no reason to differ: every record is a non-empty handshake record
 * of at most 2^14 bytes, version 3.x, and the record that ends the hello ends with it (a client
 * sends nothing more before the server's reply, and what it then sends is not in a handshake
 * record with the hello).
 */
public final class HelloCollector {

    /** The smallest possible ClientHello on the wire: one record header, the message header and {@link HelloBody#MIN_LENGTH}. */
    public static final int MIN_BYTES = 5 + 4 + HelloBody.MIN_LENGTH;

    private static final int RECORD_HEADER = 5;
    private static final int MESSAGE_HEADER = 4;
    private static final int MAX_RECORD = 1 << 14;
    private static final int HANDSHAKE = 0x16;
    private static final int CLIENT_HELLO = 0x01;
    private static final int TLS_MAJOR = 0x03;
    private static final int INITIAL_BODY = 2048;

    private final int maxBytes;
    private int consumed;

    private final byte[] recordHeader = new byte[RECORD_HEADER];
    private int recordHeaderFill;
    /** Records whose header is complete. */
    private int records;
    /** Bytes of the current record's payload not yet taken; 0 while its header is awaited. */
    private int recordLeft;

    private final byte[] messageHeader = new byte[MESSAGE_HEADER];
    private int messageHeaderFill;
    /** The body's length once the message header is in, else -1. */
    private int bodyLength = -1;
    /** Grown as bytes arrive, so a declared length alone allocates nothing. */
    private byte[] body = new byte[0];
    private int bodyFill;

    /**
     * Creates a collector.
     *
     * @param maxBytes the most bytes to take, record headers included; at least {@link #MIN_BYTES}
     */
    public HelloCollector(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Takes bytes from {@code input} up to the hello's end at most.
     *
     * @param input bytes from the peer, read from its position
     * @return the hello once complete, {@code input}'s position just past it; null while the bytes
     *     taken so far (all of {@code input}) may begin one
     * @throws TlsClientHelloException if they can't, or the hello is malformed or too large
     */
    public TlsClientHello feed(ByteBuffer input) throws TlsClientHelloException {
        while (input.hasRemaining()) {
            if (recordLeft == 0) {
                recordHeaderByte(input.get());
            } else if (messageHeaderFill < MESSAGE_HEADER) {
                messageHeaderByte(input.get());
            } else {
                // checkFit keeps the record within the message, so this never reads past the hello.
                int n = Math.min(input.remaining(), recordLeft);
                if (bodyFill + n > body.length) {
                    body = Arrays.copyOf(body, Math.min(bodyLength, Math.max(2 * body.length, bodyFill + n)));
                }
                input.get(body, bodyFill, n);
                bodyFill += n;
                recordLeft -= n;
                consumed += n;
                if (bodyFill == bodyLength) {
                    return HelloBody.decode(body, bodyLength, consumed);
                }
            }
        }
        return null;
    }

    /**
     * Counts the bytes taken so far.
     *
     * @return bytes taken from all inputs
     */
    public int consumed() {
        return consumed;
    }

    private void recordHeaderByte(byte b) throws TlsClientHelloException {
        consumed++;
        int index = recordHeaderFill++;
        recordHeader[index] = b;
        int value = b & 0xFF;
        int number = records + 1;
        if (index == 0 && value != HANDSHAKE) {
            throw notHandshake(number, value);
        }
        if (index == 1 && value != TLS_MAJOR) {
            throw new TlsClientHelloException(String.format(
                    "record %d has major version 0x%02x, not TLS's 0x%02x", number, value, TLS_MAJOR));
        }
        if (index == RECORD_HEADER - 1) {
            int length = ((recordHeader[3] & 0xFF) << 8) | value;
            if (length == 0) {
                throw new TlsClientHelloException("record " + number + " is empty, which a handshake record may not be");
            }
            if (length > MAX_RECORD) {
                throw new TlsClientHelloException("record " + number + " has length " + length + ", more than the "
                        + MAX_RECORD + " TLS allows");
            }
            records = number;
            recordHeaderFill = 0;
            recordLeft = length;
            checkFit();
        }
    }

    private static TlsClientHelloException notHandshake(int record, int type) {
        if (record > 1) {
            return new TlsClientHelloException(String.format(
                    "record %d has content type 0x%02x, not handshake (0x16), before the ClientHello's end", record,
                    type));
        }
        if ((type & 0x80) != 0) {
            return new TlsClientHelloException(String.format("not a TLS handshake record: the first byte 0x%02x starts"
                    + " an SSLv2-compatible ClientHello, which is not supported", type));
        }
        return new TlsClientHelloException(String.format(
                "not a TLS handshake record: the first byte is 0x%02x, not 0x16", type));
    }

    private void messageHeaderByte(byte b) throws TlsClientHelloException {
        consumed++;
        recordLeft--;
        messageHeader[messageHeaderFill++] = b;
        if (messageHeaderFill == 1 && b != CLIENT_HELLO) {
            throw new TlsClientHelloException("not a ClientHello: the handshake message type is " + (b & 0xFF)
                    + ", not 1");
        }
        if (messageHeaderFill == MESSAGE_HEADER) {
            bodyLength = ((messageHeader[1] & 0xFF) << 16) | ((messageHeader[2] & 0xFF) << 8) | (messageHeader[3] & 0xFF);
            if (bodyLength < HelloBody.MIN_LENGTH) {
                throw new TlsClientHelloException("ClientHello length " + bodyLength
                        + " is less than the smallest possible, " + HelloBody.MIN_LENGTH);
            }
            body = new byte[Math.min(bodyLength, INITIAL_BODY)];
            checkFit();
        }
    }

    /**
     * Fails if the current record runs past the hello, or the hello can't end within the limit:
     * called whenever a record's length or the message's becomes known, so that no byte past the
     * limit is ever taken.
     */
    private void checkFit() throws TlsClientHelloException {
        // While the message's length is unknown, the least it can still need: the rest of its header and the shortest body.
        int messageLeft = bodyLength >= 0 ? bodyLength - bodyFill
                : MESSAGE_HEADER - messageHeaderFill + HelloBody.MIN_LENGTH;
        if (bodyLength >= 0 && recordLeft > messageLeft) {
            int past = recordLeft - messageLeft;
            throw new TlsClientHelloException("record " + records + " holds " + past + (past == 1 ? " byte" : " bytes")
                    + " past the ClientHello's end");
        }
        // The current record must be taken whole; a message longer than it needs another record header at least.
        long needed = (long) consumed + (messageLeft > recordLeft ? messageLeft + RECORD_HEADER : recordLeft);
        if (needed > maxBytes) {
            throw new TlsClientHelloException("the ClientHello needs at least " + needed
                    + " bytes, more than the limit of " + maxBytes);
        }
    }
}
