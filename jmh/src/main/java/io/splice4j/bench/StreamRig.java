package io.splice4j.bench;

import io.splice4j.SpliceEngine;
import io.splice4j.support.Loopback;
import io.splice4j.support.OpenFds;
import io.splice4j.support.Payload;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixture of the streaming benchmarks: {@code relays} relays of one {@link RelayKind}, each
 * between two loopback connections, all streaming at once in one direction. A {@link StreamSender}
 * writes into every relay's source connection, the relay moves the bytes, a {@link StreamDrain}
 * reads every target connection. The streams never pause: one operation lasts until the far ends
 * have received {@link #OPERATION_BYTES} more in total, whichever relays they came through.
 *
 * <p>The fds needed are checked against the process's limit before anything is opened.
 */
final class StreamRig implements AutoCloseable {

    /** Aggregate bytes per operation. */
    static final long OPERATION_BYTES = 16L << 20;

    /** Room for the JVM's own fds, the listener and the engine's epoll and selectors. */
    private static final int SPARE_FDS = 256;

    private final RelayKind kind;
    private final int relays;
    private final Loopback loopback;
    private final long fdsBefore;
    private long farEndSelectorFds;
    private final List<Loopback.Pair> pairs = new ArrayList<>();
    private final RelayKind.Joined[] joined;
    private final SocketChannel[] sources;
    private final SocketChannel[] targets;
    private final long[] starts;
    private SpliceEngine engine;
    private StreamSender sender;
    private StreamDrain drain;
    private double fdsPerRelay = Double.NaN;

    private StreamRig(RelayKind kind, int relays) throws Exception {
        this.kind = kind;
        this.relays = relays;
        this.joined = new RelayKind.Joined[relays];
        this.sources = new SocketChannel[relays];
        this.targets = new SocketChannel[relays];
        this.starts = new long[relays];
        this.loopback = new Loopback();
        this.fdsBefore = OpenFds.count();
    }

    /**
     * The fds one relay costs here: its two sockets and their far ends in this JVM, plus, for a
     * zero-copy thread-per-direction relay, a duplicate of both sockets and a pipe per direction.
     */
    static int fdsPerRelay(RelayKind kind) {
        return kind == RelayKind.ZERO_COPY_THREADS ? 4 + 8 : 4;
    }

    /** Connects and starts everything; on any failure closes what it opened. */
    static StreamRig start(RelayKind kind, int relays) throws Exception {
        // The engine's pool holds at most 1024 pipes (2 fds each) by default.
        long needed = (long) relays * fdsPerRelay(kind) + (kind.needsEngine() ? 2 * 1024 : 0) + SPARE_FDS
                + OpenFds.count();
        if (needed > OpenFds.limit()) {
            throw new IllegalStateException(relays + " relays of " + kind + " need about " + needed
                    + " fds, over the limit of " + OpenFds.limit() + ": use fewer");
        }
        StreamRig rig = new StreamRig(kind, relays);
        try {
            rig.open();
            return rig;
        } catch (Exception | Error e) {
            try {
                rig.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void open() throws Exception {
        // The far ends' two selectors are not the relays' fds. Counted with a probe now: by the time
        // they open, thread-per-direction relays may still be opening their duplicates and pipes.
        long beforeProbe = OpenFds.count();
        try (Selector probe = Selector.open()) {
            farEndSelectorFds = 2 * (OpenFds.count() - beforeProbe);
        }
        if (kind.needsEngine()) {
            engine = SpliceEngine.builder().loops(Runtime.getRuntime().availableProcessors()).name("bench-engine")
                    .build();
        }
        for (int i = 0; i < relays; i++) {
            Loopback.Pair in = loopback.pair();
            pairs.add(in);
            Loopback.Pair out = loopback.pair();
            pairs.add(out);
            sources[i] = in.far();
            targets[i] = out.far();
            // 104729 is prime, so no two connections start at the same offset: a relay that crossed
            // two streams would fail the comparison.
            starts[i] = i * 104_729L % Payload.period();
            joined[i] = kind.join(in.near(), out.near(), engine);
        }
        sender = new StreamSender(sources, starts);
        drain = new StreamDrain(targets, starts);
    }

    /**
     * Compares the next bytes of every connection with what was sent (between 64 KiB and 1 MiB
     * each, 16 MiB in all where that fits) and, the first time, counts the fds per relay while all of
     * them stream: the relays' and their far ends' sockets, what the relays opened, and the engine's
     * own (epoll, selectors, pooled pipes) shared out; not the listener or the far ends' selectors.
     */
    void verify() {
        long each = Math.max(64 << 10, Math.min(1 << 20, OPERATION_BYTES / relays));
        drain.verify(each, sender);
        if (Double.isNaN(fdsPerRelay)) {
            fdsPerRelay = (OpenFds.count() - fdsBefore - farEndSelectorFds) / (double) relays;
        }
    }

    /** One operation: returns once the far ends have received {@link #OPERATION_BYTES} more. */
    void next(StreamCounters counters) {
        long before = drain.total();
        counters.start();
        drain.awaitTotal(before + OPERATION_BYTES, sender);
        counters.add(drain.total() - before, fdsPerRelay);
    }

    /**
     * Ends every stream and checks the ends: each relay must finish cleanly and have moved exactly
     * what its sender wrote and its reader read, and nothing the other way.
     */
    void finish() throws Exception {
        long[] sent = sender.finish();
        long[] received = drain.finish();
        for (int i = 0; i < relays; i++) {
            RelayKind.Bytes moved = joined[i].await(Peer.JOB_TIMEOUT.toMillis());
            if (moved.aToB() != sent[i] || received[i] != sent[i] || moved.bToA() != 0) {
                throw new IllegalStateException(kind + " relay " + i + " of " + relays + " moved " + moved
                        + "; sent " + sent[i] + ", received " + received[i]);
            }
        }
    }

    /** Closes everything, each part even if another fails; no thread of the rig outlives it. */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (AutoCloseable part : new AutoCloseable[] {sender, drain}) {
            first = closeQuietly(part, first);
        }
        for (RelayKind.Joined relay : joined) {
            first = closeQuietly(relay, first);
        }
        for (Loopback.Pair pair : pairs) {
            first = closeQuietly(pair, first);
        }
        first = closeQuietly(engine, first);
        first = closeQuietly(loopback, first);
        if (first != null) {
            throw first;
        }
    }

    private static Exception closeQuietly(AutoCloseable part, Exception first) {
        if (part == null) {
            return first;
        }
        try {
            part.close();
        } catch (Exception e) {
            if (first == null) {
                return e;
            }
            first.addSuppressed(e);
        }
        return first;
    }
}
