package io.splice4j.bench;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceOptions;
import io.splice4j.TransferPath;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Small-message ping-pong through a relay: where does splicing stop paying? The client
 * (the benchmark thread) writes one {@link #message}-byte message and reads the echo back before it
 * sends the next; an {@link Echo} thread on the far side returns each message. With a relay the
 * path is client → relay → echo → relay → client, over two loopback connections; the baseline
 * connects client and echo directly. One connection set per trial; TCP_NODELAY on every socket, as
 * a proxy sets it, so Nagle's algorithm never holds a message back.
 *
 * <p>Every echo is compared with the message sent (messages are different slices of random bytes,
 * so a stale buffer can't pass), and at the end of the trial the relay must report the same byte
 * count both ways, on the path asked for. One operation is one round trip; {@link RoundTripCounters}
 * gives the process CPU per round trip.
 */
@OperationsPerInvocation(RoundTripBenchmark.BATCH)
public class RoundTripBenchmark extends BenchmarkDefaults {

    /** Round trips per invocation: the CPU clock is read once per batch, not per round trip. */
    static final int BATCH = 16;

    /** Where the messages are cut from. */
    private static final int SOURCE_BYTES = 64 << 10;

    @Param
    public RoundTripPath path;

    /** 64 B, 1 KiB, 4 KiB (HAProxy's splice threshold), 16 KiB. */
    @Param({"64", "1024", "4096", "16384"})
    public int message;

    private ByteBuffer source;
    private Loopback loopback;
    private Echo echo;
    private SpliceEngine engine;
    private SocketChannel client;
    private SocketChannel server;
    private Relay relay;
    private Future<Long> echoed;
    private ByteBuffer reply;
    private long sent;
    private int nextOffset;

    @Setup(Level.Trial)
    public void start() throws Exception {
        source = Payload.direct(SOURCE_BYTES);
        loopback = new Loopback();
        echo = new Echo();
        reply = ByteBuffer.allocateDirect(message);
        Loopback.Pair clientSide = loopback.pair();
        client = clientSide.far();
        if (path == RoundTripPath.DIRECT) {
            server = clientSide.near();
        } else {
            Loopback.Pair serverSide = loopback.pair();
            server = serverSide.far();
            noDelay(clientSide.near());
            noDelay(serverSide.near());
            SpliceOptions.Builder options = SpliceOptions.builder().mode(path.mode());
            if (path == RoundTripPath.RELAY_ENGINE) {
                engine = SpliceEngine.builder().loops(Runtime.getRuntime().availableProcessors())
                        .name("bench-engine").build();
                options.engine(engine);
            }
            relay = Splice.relay(clientSide.near(), serverSide.near(), options.build());
        }
        noDelay(client);
        noDelay(server);
        echoed = echo.serve(server, message);
        // The first round trip, before any measurement: the path works at all.
        roundTrip();
    }

    private static void noDelay(SocketChannel channel) throws Exception {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    @Benchmark
    public void roundTrips(RoundTripCounters cpu) throws Exception {
        long cpuStart = cpu.start();
        for (int i = 0; i < BATCH; i++) {
            roundTrip();
        }
        cpu.add(cpuStart, BATCH);
    }

    /** Sends the next message, reads its echo and compares the two. */
    private void roundTrip() throws Exception {
        ByteBuffer out = source.duplicate();
        out.limit(nextOffset + message).position(nextOffset);
        ByteBuffer expected = out.slice();
        // 61 is prime: the offsets walk through the source without repeating soon.
        nextOffset = (nextOffset + 61 * 64) % (SOURCE_BYTES - message);
        while (out.hasRemaining()) {
            client.write(out);
        }
        reply.clear();
        while (reply.hasRemaining()) {
            if (client.read(reply) < 0) {
                throw new IllegalStateException(path + ": end-of-stream in the middle of an echo");
            }
        }
        reply.flip();
        int at = expected.mismatch(reply);
        if (at >= 0) {
            throw new IllegalStateException(path + ": echoed byte " + at + " of a " + message
                    + "-byte message differs from what was sent");
        }
        sent += message;
    }

    /**
     * Ends the conversation the way a proxy's clients do: the client's end-of-stream travels to the
     * echo, whose own comes back; then the relay must report every byte both ways, on its path.
     */
    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try {
            client.shutdownOutput();
            long back = Peer.await(echoed);
            reply.clear();
            if (client.read(reply) >= 0) {
                throw new IllegalStateException(path + ": bytes after the last echo");
            }
            if (back != sent) {
                throw new IllegalStateException(path + ": the echo returned " + back + " bytes, the client sent "
                        + sent);
            }
            if (relay != null) {
                RelayResult result = relay.completion().get(Peer.JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                TransferPath expectedPath = path == RoundTripPath.RELAY_PORTABLE ? TransferPath.PORTABLE
                        : TransferPath.ZERO_COPY;
                if (!result.completed() || result.aToB().bytes() != sent || result.bToA().bytes() != sent
                        || result.aToB().path() != expectedPath || result.bToA().path() != expectedPath) {
                    throw new IllegalStateException(path + ": relay ended with " + result + ", " + sent
                            + " bytes sent each way on " + expectedPath);
                }
            }
        } finally {
            // Each closes even if another fails; no thread of the trial outlives it.
            try (Loopback l = loopback; Echo e = echo) {
                if (relay != null) {
                    relay.close();
                }
                Loopback.abort(client);
                Loopback.abort(server);
                if (engine != null) {
                    engine.close();
                }
            }
        }
    }
}
