package io.splice4j.internal.linux;

import java.nio.channels.SocketChannel;

/** A TCP socket, recognised by its address pair, which no other connected socket can have. */
final class TcpIdentity extends SocketIdentity {

    private final AddressPair addresses;

    /** The identity of {@code channel}, connected with {@code addresses}. */
    TcpIdentity(SocketChannel channel, AddressPair addresses) {
        super(channel);
        this.addresses = addresses;
    }

    @Override
    boolean unix() {
        return false;
    }

    @Override
    int hint(FdTable table) {
        return table.numberOf(addresses);
    }

    @Override
    boolean matches(int fd, FdSlot slot) {
        return addresses.equals(slot.addresses());
    }

    @Override
    boolean confirms(int fd) {
        // Only one connected socket can have this address pair, and the channel's has it.
        return true;
    }

    @Override
    public String toString() {
        return "TCP " + addresses;
    }
}
