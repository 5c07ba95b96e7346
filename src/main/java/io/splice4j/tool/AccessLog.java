package io.splice4j.tool;

import io.splice4j.RelayResult;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The access log, {@code --access-log FILE|-}: a JSON line ({@link AccessEntry}) per connection when
 * it ends, appended to FILE or written to standard output. Lines go through an {@link Offload}: the
 * thread that ends a connection, an event loop say, only queues its entry; a writer thread of the
 * log's own formats and writes them, in batches while they come faster than one at a time. A
 * destination that falls behind or blocks loses lines, counted ({@link #dropped()}), and never slows
 * forwarding; so does one that fails (a full disk), logged at most every 10 s.
 */
final class AccessLog implements AutoCloseable {

    /** Lines that may wait for the writer. */
    static final int CAPACITY = 8192;
    /** Lines are written in batches of up to this many bytes. */
    private static final int BATCH_BYTES = 64 << 10;

    private final String target;
    private final FileChannel out;
    private final boolean ownsOut;
    private final Offload<AccessEntry> queue;
    private final ByteBuffer batch = ByteBuffer.allocate(BATCH_BYTES);
    private final LongAdder lost = new LongAdder();
    private final FailureLog writeFailures = new FailureLog(Duration.ofSeconds(10));
    private int linesInBatch;

    /** Starts the writer thread for {@code out}, which is closed with the log if {@code ownsOut}. */
    private AccessLog(String target, FileChannel out, boolean ownsOut, int capacity) {
        this.target = target;
        this.out = out;
        this.ownsOut = ownsOut;
        this.queue = new Offload<>("splice4j-access-log", capacity, new Offload.Writer<>() {
            @Override
            public void write(AccessEntry entry) {
                add(entry);
            }

            @Override
            public void caughtUp() {
                writeBatch();
            }
        });
    }

    /**
     * Opens the log: {@code -} for standard output, else a file, created if missing and appended to.
     *
     * @throws IOException naming the flag if the file can't be opened
     */
    static AccessLog open(String target) throws IOException {
        return open(target, CAPACITY);
    }

    /** {@link #open(String)} with a queue of {@code capacity} lines, for tests. */
    static AccessLog open(String target, int capacity) throws IOException {
        if (target.equals("-")) {
            // Never closed: that would close the process's standard output.
            return new AccessLog("standard output", new FileOutputStream(FileDescriptor.out).getChannel(), false,
                    capacity);
        }
        try {
            return new AccessLog(target, FileChannel.open(Path.of(target), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND), true, capacity);
        } catch (IOException e) {
            throw new IOException("--access-log " + ArgText.quoted(target) + ": " + ArgText.reason(e), e);
        }
    }

    /** Where the lines go, for people. */
    String target() {
        return target;
    }

    /** Queues the line of a connection that ended; never waits. */
    void ended(Connection connection, Optional<RelayResult> relay, ConnectionEnd end) {
        queue.offer(AccessEntry.of(connection, relay, end));
    }

    /** Lines lost: dropped because the writer had fallen behind, or lost to a failed write. */
    long dropped() {
        return queue.dropped() + lost.sum();
    }

    /**
     * Waits until every line queued so far is written, or {@code timeout} passes.
     *
     * @return whether the writer caught up in time
     */
    boolean flush(Duration timeout) {
        return queue.flush(timeout);
    }

    /** Stops the writer and closes the file; lines still queued are not written. */
    @Override
    public void close() {
        queue.stop();
        if (ownsOut) {
            try {
                // Also ends a write blocked on a destination nobody reads (a FIFO).
                out.close();
            } catch (IOException e) {
                ForwarderLog.warning("closing the access log {0} failed: {1}", target, e.toString());
            }
        }
    }

    /** On the writer thread: adds a line to the batch, writing the batch first if it has no room. */
    private void add(AccessEntry entry) {
        byte[] line = (entry.json() + "\n").getBytes(StandardCharsets.UTF_8);
        if (line.length > batch.remaining()) {
            writeBatch();
        }
        if (line.length > batch.remaining()) {
            write(ByteBuffer.wrap(line), 1);
        } else {
            batch.put(line);
            linesInBatch++;
        }
    }

    /** On the writer thread: writes the lines batched so far. */
    private void writeBatch() {
        if (linesInBatch > 0) {
            write(batch.flip(), linesInBatch);
        }
        batch.clear();
        linesInBatch = 0;
    }

    /** On the writer thread: writes {@code bytes}, which hold {@code lines}; a failure loses and counts them. */
    private void write(ByteBuffer bytes, int lines) {
        try {
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            lost.add(lines);
            String note = writeFailures.failed();
            if (note != null) {
                ForwarderLog.warning("the access log {0} can''t be written: {1}; its lines are lost and counted ({2})",
                        target, e.toString(), note);
            }
        }
    }
}
