package io.splice4j.internal.proxy;

import io.splice4j.ProxyHeader;
import io.splice4j.ProxyProtocolException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The binary version 2 header: a 16-byte fixed part (signature, version and command, family and
 * protocol, big-endian length of the rest), the address block of the family, then TLV fields.
 *
 * <p>The checks run as bytes arrive: {@link #checkFixedByte} on each of the first 16, then
 * {@link #frameTlvs} over the rest, so a header fails at the first byte no valid header could have.
 */
public final class V2Block {

    /** The fixed part's length. */
    public static final int FIXED_LENGTH = 16;

    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int LOCAL = 0x0;
    private static final int PROXY = 0x1;
    private static final int UNSPEC = 0x00;
    private static final int TCP4 = 0x11;
    private static final int TCP6 = 0x21;
    private static final int TLV_HEADER = 3;

    private V2Block() {
    }

    /** The first byte of every version 2 header. */
    static byte firstByte() {
        return SIGNATURE[0];
    }

    /**
     * Returns the address block's length for a family.
     *
     * @param family the family
     * @return 0, 12 or 36 bytes
     */
    public static int addressBlockLength(ProxyHeader.Family family) {
        return switch (family) {
            case UNKNOWN -> 0;
            case TCP4 -> 12;
            case TCP6 -> 36;
        };
    }

    /**
     * Checks byte {@code index} of the fixed part, the bytes before it already checked.
     *
     * @param header the bytes received
     * @param index 0 to 15
     * @param maxLength the largest length (bytes after the fixed part) to accept
     * @throws ProxyProtocolException if no valid header has these bytes
     */
    public static void checkFixedByte(byte[] header, int index, int maxLength) throws ProxyProtocolException {
        int b = header[index] & 0xFF;
        if (index < SIGNATURE.length) {
            if (header[index] != SIGNATURE[index]) {
                throw new ProxyProtocolException(String.format(
                        "bad signature: byte %d of a v2 header is 0x%02x, not 0x%02x", index, b, SIGNATURE[index]));
            }
        } else if (index == 12) {
            if (b >> 4 != 2) {
                throw new ProxyProtocolException(String.format("bad version %d in v2 header byte 0x%02x, not 2", b >> 4, b));
            }
            if ((b & 0xF) != LOCAL && (b & 0xF) != PROXY) {
                throw new ProxyProtocolException(String.format(
                        "bad command %d in v2 header byte 0x%02x, not 0 (LOCAL) or 1 (PROXY)", b & 0xF, b));
            }
        } else if (index == 13) {
            checkFamily(b, command(header));
        } else if (index == 15) {
            int length = declaredLength(header);
            if (length > maxLength) {
                throw new ProxyProtocolException("v2 length " + length + " exceeds the limit " + maxLength);
            }
            int block = addressBlockLength(header);
            if (command(header) == PROXY && length < block) {
                throw new ProxyProtocolException("v2 length " + length + " is shorter than the " + block + "-byte "
                        + (header[13] == TCP4 ? "TCP4" : "TCP6") + " address block");
            }
        }
    }

    private static void checkFamily(int family, int command) throws ProxyProtocolException {
        String name = switch (family) {
            case UNSPEC, TCP4, TCP6 -> null;
            case 0x12 -> "UDP over IPv4";
            case 0x22 -> "UDP over IPv6";
            case 0x31 -> "UNIX stream";
            case 0x32 -> "UNIX datagram";
            default -> throw new ProxyProtocolException(String.format("unknown address family 0x%02x", family));
        };
        // LOCAL headers are taken whatever the family: the spec has receivers ignore their block.
        if (name != null && command == PROXY) {
            throw new ProxyProtocolException(String.format(
                    "unsupported address family 0x%02x (%s): only TCP4, TCP6 and UNSPEC are taken", family, name));
        }
    }

    /**
     * Returns the whole header's length, once the fixed part has been checked.
     *
     * @param header at least the fixed part
     * @return 16 plus the declared length
     */
    public static int totalLength(byte[] header) {
        return FIXED_LENGTH + declaredLength(header);
    }

    /**
     * Returns where the TLV fields start, once the fixed part has been checked.
     *
     * @param header at least the fixed part
     * @return the offset after the address block, or the total length for a LOCAL header, whose
     *     block is ignored
     */
    public static int firstTlv(byte[] header) {
        return command(header) == LOCAL ? totalLength(header) : FIXED_LENGTH + addressBlockLength(header);
    }

    /**
     * Checks the framing of the TLV fields received so far.
     *
     * @param header the bytes received
     * @param next the offset of the first field not yet checked
     * @param received how many bytes are in {@code header}
     * @param total the whole header's length
     * @return the offset of the first field not yet checked, {@code total} when all are
     * @throws ProxyProtocolException if a field can't fit in the declared length, or a CRC32C
     *     field is repeated or not 4 bytes
     */
    public static int frameTlvs(byte[] header, int next, int received, int total) throws ProxyProtocolException {
        while (next < total) {
            if (total - next < TLV_HEADER) {
                throw new ProxyProtocolException("v2 TLV at offset " + next + " is cut off by the header's end at "
                        + total);
            }
            if (received < next + TLV_HEADER) {
                break;
            }
            int type = header[next] & 0xFF;
            int length = u16(header, next + 1);
            int end = next + TLV_HEADER + length;
            if (end > total) {
                throw new ProxyProtocolException(String.format(
                        "v2 TLV 0x%02x at offset %d with length %d overruns the header's end at %d", type, next, length,
                        total));
            }
            if (type == ProxyHeader.Tlv.CRC32C) {
                if (length != 4) {
                    throw new ProxyProtocolException("v2 CRC32C TLV has length " + length + ", not 4");
                }
                if (crcOffset(header, next) >= 0) {
                    throw new ProxyProtocolException("v2 header has more than one CRC32C TLV");
                }
            }
            next = end;
        }
        return next;
    }

    /**
     * Decodes a header that {@link #checkFixedByte} and {@link #frameTlvs} accepted in full.
     *
     * @param header the bytes
     * @return the header
     * @throws ProxyProtocolException if its CRC32C field doesn't match
     */
    public static ProxyHeader decode(byte[] header) throws ProxyProtocolException {
        int total = totalLength(header);
        if (command(header) == LOCAL) {
            return ProxyHeader.local();
        }
        List<ProxyHeader.Tlv> tlvs = new ArrayList<>();
        for (int at = firstTlv(header); at < total; at += TLV_HEADER + u16(header, at + 1)) {
            tlvs.add(new ProxyHeader.Tlv(header[at] & 0xFF,
                    Arrays.copyOfRange(header, at + TLV_HEADER, at + TLV_HEADER + u16(header, at + 1))));
        }
        int crcAt = crcOffset(header, total);
        if (crcAt >= 0) {
            int declared = ByteBuffer.wrap(header, crcAt, 4).getInt();
            int computed = crc32c(header, total, crcAt);
            if (declared != computed) {
                throw new ProxyProtocolException(String.format(
                        "v2 CRC32C mismatch: the header says 0x%08x, its bytes give 0x%08x", declared, computed));
            }
        }
        ProxyHeader decoded = switch (header[13]) {
            case TCP4 -> ProxyHeader.of(address(header, 16, 4, 24), address(header, 20, 4, 26));
            case TCP6 -> ProxyHeader.of(address(header, 16, 16, 48), address(header, 32, 16, 50));
            default -> ProxyHeader.unknown();
        };
        return decoded.withTlvs(tlvs);
    }

    /**
     * Writes a header in the version 2 form, computing any CRC32C field.
     *
     * @param header the header
     * @return a buffer holding it
     */
    public static ByteBuffer encode(ProxyHeader header) {
        int length = addressBlockLength(header.family());
        for (ProxyHeader.Tlv tlv : header.tlvs()) {
            length += TLV_HEADER + tlv.value().length;
        }
        ByteBuffer out = ByteBuffer.allocate(FIXED_LENGTH + length);
        out.put(SIGNATURE);
        out.put((byte) (0x20 | (header.command() == ProxyHeader.Command.LOCAL ? LOCAL : PROXY)));
        out.put((byte) switch (header.family()) {
            case UNKNOWN -> UNSPEC;
            case TCP4 -> TCP4;
            case TCP6 -> TCP6;
        });
        out.putShort((short) length);
        if (header.family() != ProxyHeader.Family.UNKNOWN) {
            InetSocketAddress source = header.source().orElseThrow();
            InetSocketAddress destination = header.destination().orElseThrow();
            out.put(source.getAddress().getAddress()).put(destination.getAddress().getAddress());
            out.putShort((short) source.getPort()).putShort((short) destination.getPort());
        }
        int crcAt = -1;
        for (ProxyHeader.Tlv tlv : header.tlvs()) {
            byte[] value = tlv.value();
            out.put((byte) tlv.type()).putShort((short) value.length);
            if (tlv.type() == ProxyHeader.Tlv.CRC32C) {
                crcAt = out.position();
                value = new byte[4];
            }
            out.put(value);
        }
        if (crcAt >= 0) {
            out.putInt(crcAt, crc32c(out.array(), out.capacity(), crcAt));
        }
        return out.flip();
    }

    private static int command(byte[] header) {
        return header[12] & 0xF;
    }

    private static int declaredLength(byte[] header) {
        return u16(header, 14);
    }

    private static int addressBlockLength(byte[] header) {
        return switch (header[13]) {
            case TCP4 -> 12;
            case TCP6 -> 36;
            default -> 0;
        };
    }

    /** The offset of the CRC32C field's value among the fields before {@code end}, or -1. */
    private static int crcOffset(byte[] header, int end) {
        for (int at = firstTlv(header); at + TLV_HEADER <= end; at += TLV_HEADER + u16(header, at + 1)) {
            if ((header[at] & 0xFF) == ProxyHeader.Tlv.CRC32C) {
                return at + TLV_HEADER;
            }
        }
        return -1;
    }

    /** The checksum of the header's {@code total} bytes as if the 4 at {@code crcAt} were zero. */
    private static int crc32c(byte[] header, int total, int crcAt) {
        CRC32C crc = new CRC32C();
        crc.update(header, 0, crcAt);
        crc.update(new byte[4]);
        crc.update(header, crcAt + 4, total - crcAt - 4);
        return (int) crc.getValue();
    }

    private static InetSocketAddress address(byte[] header, int at, int length, int portAt) {
        byte[] bytes = Arrays.copyOfRange(header, at, at + length);
        try {
            // Inet6Address keeps IPv4-mapped addresses IPv6, so the family survives a round trip.
            InetAddress address = length == 16 ? Inet6Address.getByAddress(null, bytes, -1)
                    : InetAddress.getByAddress(bytes);
            return new InetSocketAddress(address, u16(header, portAt));
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are an address", e);
        }
    }

    private static int u16(byte[] bytes, int at) {
        return ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
    }
}
