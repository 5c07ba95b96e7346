package io.splice4j.bench;

import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Future;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Files: {@link #size} bytes between a file in {@code java.io.tmpdir} (/tmp) and a
 * loopback connection, per operation, on the benchmark thread, with the page cache warm.
 *
 * <ul>
 *   <li>File → socket: the contender sends the file from position 0 into one end of a connection;
 *       a {@link Drain} thread reads exactly {@code size} bytes at the other.
 *   <li>Socket → file: a {@link Sender} thread writes {@code size} bytes into one end; the contender
 *       writes exactly that many from the other end into the file at position 0, over the previous
 *       operation's bytes (the file keeps its size; its pages stay cached; writeback is the kernel
 *       flusher's, outside this process's CPU time).
 * </ul>
 *
 * One connection per trial: no end-of-stream is needed, every transfer is given its length. Before
 * every iteration one transfer is checked byte by byte: the drain compares what it reads, or the
 * file is emptied first and read back after. Every operation checks the byte counts.
 */
@Fork(value = 1, jvmArgsAppend = {
    "--enable-native-access=ALL-UNNAMED",
    // Lets file transfers read a FileChannel's fd directly (and sockets', like --add-exports).
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Xms1g", "-Xmx1g"})
public class FileBenchmark extends BenchmarkDefaults {

    @Param
    public FileDirection direction;

    @Param
    public FileContender contender;

    /** 1 MiB, 64 MiB. */
    @Param({"1048576", "67108864"})
    public int size;

    private Path path;
    private FileChannel file;
    private Loopback loopback;
    private Loopback.Pair connection;
    private Sender sender;
    private Drain drain;
    private ByteBuffer buffer;

    @Setup(Level.Trial)
    public void start() throws Exception {
        path = Files.createTempFile("splice4j-bench-", ".bin");
        file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Payload.write(file, 0, size);
        loopback = new Loopback();
        connection = loopback.pair();
        sender = new Sender(Payload.direct(size));
        drain = new Drain();
        buffer = ByteBuffer.allocateDirect(64 << 10);
    }

    /** Before every iteration, one transfer whose bytes are compared one by one with the payload. */
    @Setup(Level.Iteration)
    public void verify() throws Exception {
        if (direction == FileDirection.FILE_TO_SOCKET) {
            Future<Long> received = drain.receive(connection.far(), size, true);
            expectWhole(contender.send(file, size, connection.near(), buffer), Peer.await(received));
        } else {
            // Empty the file first: a transfer that wrote nothing must not pass on the last one's bytes.
            file.truncate(0);
            Future<Long> sent = sender.write(connection.far());
            expectWhole(contender.receive(connection.near(), file, size, buffer), Peer.await(sent));
            if (file.size() != size) {
                throw new IllegalStateException(contender + ": the file holds " + file.size() + " bytes after a "
                        + size + "-byte transfer");
            }
            ByteBuffer back = ByteBuffer.allocateDirect(1 << 20);
            long position = 0;
            while (position < size) {
                back.clear();
                int n = file.read(back, position);
                if (n < 0) {
                    throw new IllegalStateException("the file ended at " + position);
                }
                Payload.check(position, back.flip());
                position += n;
            }
        }
    }

    @Benchmark
    public long transfer(CpuCounters cpu) throws Exception {
        long cpuStart = cpu.start();
        long moved;
        long other;
        if (direction == FileDirection.FILE_TO_SOCKET) {
            Future<Long> received = drain.receive(connection.far(), size, false);
            moved = contender.send(file, size, connection.near(), buffer);
            other = Peer.await(received);
        } else {
            Future<Long> sent = sender.write(connection.far());
            moved = contender.receive(connection.near(), file, size, buffer);
            other = Peer.await(sent);
        }
        cpu.add(cpuStart, moved);
        expectWhole(moved, other);
        return moved;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (Loopback l = loopback; Loopback.Pair c = connection; Sender s = sender; Drain d = drain;
             FileChannel f = file) {
            // Closed in reverse order, each even if another fails.
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private void expectWhole(long moved, long other) {
        if (moved != size || other != size) {
            throw new IllegalStateException(contender + " " + direction + " moved " + moved + " bytes, the other end "
                    + other + ", of " + size);
        }
    }
}
