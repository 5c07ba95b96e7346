package io.splice4j.bench;

import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.util.concurrent.Future;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Socket → socket, one direction, over loopback: one operation is one fresh transfer of
 * {@link #payload} bytes. A sender thread writes them into the source connection and shuts its
 * output; the {@link #contender} moves them to the target connection until end-of-stream; a drain
 * thread reads them to end-of-stream. The operation ends when the drain has every byte, so bytes
 * still sitting in socket buffers never count as moved. Connections are made and closed between
 * operations (Level.Invocation), outside the measured time and outside the CPU counters.
 *
 * <p>Throughput (ops/s) times the payload is the rate; {@link CpuCounters} gives CPU per byte.
 */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class SocketToSocketBenchmark extends BenchmarkDefaults {

    @Param
    public Contender contender;

    /** 64 KiB, 1 MiB, 64 MiB. */
    @Param({"65536", "1048576", "67108864"})
    public int payload;

    private Loopback loopback;
    private Sender sender;
    private Drain drain;
    private Route route;
    private Route.Transfer next;

    @Setup(Level.Trial)
    public void start() throws Exception {
        loopback = new Loopback();
        sender = new Sender(Payload.direct(payload));
        drain = new Drain();
        route = contender.open(loopback);
    }

    /**
     * Before every iteration, one transfer whose every byte the drain compares with what was sent,
     * so a broken fast path fails the run instead of posting a great number.
     */
    @Setup(Level.Iteration)
    public void verify() throws Exception {
        try (Route.Transfer transfer = route.prepare(payload)) {
            Future<Long> received = drain.compare(transfer.readerEnd());
            Future<Long> sent = sender.send(transfer.senderEnd());
            expectWhole(transfer.run(), Peer.await(received), Peer.await(sent));
        }
    }

    @Setup(Level.Invocation)
    public void connect() throws Exception {
        next = route.prepare(payload);
    }

    @Benchmark
    public long transfer(CpuCounters cpu) throws Exception {
        long cpuStart = cpu.start();
        Future<Long> received = drain.count(next.readerEnd());
        Future<Long> sent = sender.send(next.senderEnd());
        long moved = next.run();
        long got = Peer.await(received);
        Peer.await(sent);
        cpu.add(cpuStart, got);
        // Cheap per-operation check; the content is compared in verify().
        expectWhole(moved, got, payload);
        return got;
    }

    @TearDown(Level.Invocation)
    public void disconnect() throws Exception {
        Route.Transfer done = next;
        next = null;
        done.close();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        // Closed in reverse order, each even if another fails: the route (Netty's event loop), the
        // drain and sender threads, the listener. No thread of the trial outlives it.
        try (Loopback l = loopback; Sender s = sender; Drain d = drain; Route r = route) {
            // Nothing else to do.
        }
    }

    private void expectWhole(long moved, long received, long sent) {
        if (moved != payload || received != payload || sent != payload) {
            throw new IllegalStateException(contender + " moved " + moved + " bytes, the drain received " + received
                    + ", the sender sent " + sent + ", of a " + payload + "-byte payload");
        }
    }
}
