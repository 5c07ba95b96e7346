package io.splice4j.tool;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;

/**
 * TCP keepalive for a forwarded connection's sockets, {@code --keepalive IDLE,INTERVAL,COUNT}: the
 * kernel probes a connection that has been idle for {@code idle} seconds, then every
 * {@code interval} seconds, and drops it after {@code count} probes go unanswered, so a peer that
 * vanished (a host powered off, a NAT that forgot the flow) frees its connection.
 *
 * @param idle seconds of idleness before the first probe ({@code TCP_KEEPIDLE})
 * @param interval seconds between probes ({@code TCP_KEEPINTVL})
 * @param count unanswered probes that drop the connection ({@code TCP_KEEPCNT})
 */
record Keepalive(int idle, int interval, int count) {

    /**
     * Parses {@code IDLE,INTERVAL,COUNT}, such as {@code 60s,10s,5}.
     *
     * @throws IllegalArgumentException naming the flag if the text is malformed or a part out of range
     */
    static Keepalive parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("--keepalive wants IDLE,INTERVAL,COUNT such as 60s,10s,5, got "
                    + ArgText.quoted(text));
        }
        if (ModuleLayer.boot().findModule("jdk.net").isEmpty()) {
            throw new IllegalArgumentException("--keepalive needs the module jdk.net, which this runtime does not "
                    + "load (add --add-modules jdk.net)");
        }
        return new Keepalive(NumericFlag.KEEPALIVE_IDLE.intValue(parts[0]),
                NumericFlag.KEEPALIVE_INTERVAL.intValue(parts[1]), NumericFlag.KEEPALIVE_COUNT.intValue(parts[2]));
    }

    /**
     * Turns keepalive on for {@code channel} with these timings if it is a TCP socket; a Unix-domain
     * socket has no keepalive and is left as it is. Timings the platform can't set keep its defaults.
     */
    void apply(SocketChannel channel) throws IOException {
        if (!channel.supportedOptions().contains(StandardSocketOptions.SO_KEEPALIVE)) {
            return;
        }
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        if (channel.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
            channel.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idle);
            channel.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, interval);
            channel.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, count);
        }
    }

    /** As the flag reads it: {@code 60s,10s,5}. */
    @Override
    public String toString() {
        return idle + "s," + interval + "s," + count;
    }
}
