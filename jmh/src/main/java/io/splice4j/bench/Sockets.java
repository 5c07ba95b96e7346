package io.splice4j.bench;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

final class Sockets {

    private Sockets() {
    }

    /**
     * Closes with a reset instead of a FIN (SO_LINGER 0). Every byte has been read by then, and the
     * 64 KiB rows open thousands of connections per second: closed normally, they would pile up in
     * TIME_WAIT and could exhaust the ephemeral ports of one listener within a run.
     */
    static void abort(SocketChannel channel) throws IOException {
        try {
            if (channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException ignored) {
            // Already reset by the peer: a plain close is just as good.
        } finally {
            channel.close();
        }
    }
}
