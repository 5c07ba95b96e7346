package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.splice4j.support.Digest;
import io.splice4j.support.FileRegion;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad arguments to the file transfers fail with the JDK's exceptions before anything moves: the
 * socket still holds the five bytes put in it, the file is unchanged, and the peer got nothing.
 */
class FileTransferBadInputTest {

    private static final int PENDING = 5;
    private static final long FILE_SIZE = 10_000;

    @TempDir
    Path dir;

    private Harness harness;
    private Path path;
    private FileChannel file;
    private SocketChannel socket;

    @BeforeEach
    void setUp() throws IOException {
        harness = new Harness();
        socket = harness.source().near();
        Payload.write(harness.source().far(), PENDING);
        path = dir.resolve("data.bin");
        file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Payload.write(file, 0, FILE_SIZE);
    }

    @AfterEach
    void tearDown() throws IOException {
        file.close();
        harness.close();
    }

    /** Nothing was read from the socket, written to the file, or sent to the peer. */
    private void assertNothingMoved() throws IOException {
        assertEquals(Payload.expected(PENDING), Payload.readExactly(socket, PENDING));
        assertEquals(FILE_SIZE, Files.size(path));
        harness.endTarget();
        assertEquals(Payload.expected(0), Payload.readToEnd(harness.target().far()));
    }

    private <T extends Throwable> T assertRejected(Class<T> type, Executable call) throws IOException {
        T thrown = assertThrows(type, call);
        assertNothingMoved();
        return thrown;
    }

    @Test
    void nullArgumentsAreNamed() throws IOException {
        SocketChannel target = harness.target().near();
        assertEquals("source", assertThrows(NullPointerException.class,
                () -> Splice.transfer(null, 0, 1, target)).getMessage());
        assertEquals("target", assertThrows(NullPointerException.class,
                () -> Splice.transfer(file, 0, 1, (SocketChannel) null)).getMessage());
        assertEquals("options", assertThrows(NullPointerException.class,
                () -> Splice.transferWithResult(file, 0, 1, target, null)).getMessage());
        assertEquals("source", assertThrows(NullPointerException.class,
                () -> Splice.transfer((SocketChannel) null, file, 0, 1)).getMessage());
        assertEquals("target", assertThrows(NullPointerException.class,
                () -> Splice.transfer(socket, null, 0, 1)).getMessage());
        assertEquals("options", assertThrows(NullPointerException.class,
                () -> Splice.transferWithResult(socket, file, 0, 1, null)).getMessage());
        assertNothingMoved();
    }

    @Test
    void negativePositionIsRejected() throws IOException {
        SocketChannel target = harness.target().near();
        assertEquals("position must not be negative: -1", assertThrows(IllegalArgumentException.class,
                () -> Splice.transfer(file, -1, 1, target)).getMessage());
        assertEquals("position must not be negative: -1", assertRejected(IllegalArgumentException.class,
                () -> Splice.transfer(socket, file, -1, 1)).getMessage());
    }

    @Test
    void negativeCountIsRejected() throws IOException {
        SocketChannel target = harness.target().near();
        assertEquals("count must not be negative: -1", assertThrows(IllegalArgumentException.class,
                () -> Splice.transfer(file, 0, -1, target)).getMessage());
        assertEquals("count must not be negative: -1", assertRejected(IllegalArgumentException.class,
                () -> Splice.transfer(socket, file, 0, -1)).getMessage());
    }

    @Test
    void aFileNotOpenForReadingCannotBeSent() throws IOException {
        try (FileChannel writeOnly = FileChannel.open(path, StandardOpenOption.WRITE)) {
            assertRejected(NonReadableChannelException.class,
                    () -> Splice.transfer(writeOnly, 0, 1, harness.target().near()));
        }
    }

    @Test
    void aFileNotOpenForWritingCannotBeWritten() throws IOException {
        try (FileChannel readOnly = FileChannel.open(path, StandardOpenOption.READ)) {
            assertRejected(NonWritableChannelException.class, () -> Splice.transfer(socket, readOnly, 0, 1));
        }
    }

    @Test
    void closedChannelsAreRejected() throws IOException {
        try (FileChannel closed = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            closed.close();
            assertThrows(ClosedChannelException.class, () -> Splice.transfer(closed, 0, 1, harness.target().near()));
            assertRejected(ClosedChannelException.class, () -> Splice.transfer(socket, closed, 0, 1));
        }
    }

    @Test
    void closedSocketsAreRejected() throws IOException {
        harness.target().near().close();
        assertThrows(ClosedChannelException.class, () -> Splice.transfer(file, 0, 1, harness.target().near()));
        socket.close();
        assertThrows(ClosedChannelException.class, () -> Splice.transfer(socket, file, 0, 1));
        assertEquals(FILE_SIZE, Files.size(path));
        assertEquals(Payload.expected(0), Payload.readToEnd(harness.target().far()));
    }

    @Test
    void unconnectedSocketsAreRejected() throws IOException {
        try (SocketChannel unconnected = SocketChannel.open()) {
            assertThrows(NotYetConnectedException.class, () -> Splice.transfer(file, 0, 1, unconnected));
            assertRejected(NotYetConnectedException.class, () -> Splice.transfer(unconnected, file, 0, 1));
        }
    }

    @Test
    void nonBlockingSocketsAreRejected() throws IOException {
        SocketChannel target = harness.target().near();
        target.configureBlocking(false);
        assertThrows(IllegalBlockingModeException.class, () -> Splice.transfer(file, 0, 1, target));
        target.configureBlocking(true);
        socket.configureBlocking(false);
        assertThrows(IllegalBlockingModeException.class, () -> Splice.transfer(socket, file, 0, 1));
        socket.configureBlocking(true);
        assertNothingMoved();
    }

    @Test
    void aPositionAtOrPastTheEndOfTheFileSendsNothing() throws Exception {
        for (SpliceMode mode : new SpliceMode[] {SpliceMode.ZERO_COPY, SpliceMode.PORTABLE}) {
            for (long position : new long[] {FILE_SIZE, FILE_SIZE + 1, 1L << 40}) {
                SpliceResult result = Splice.transferWithResult(file, position, 100, harness.target().near(),
                        SpliceOptions.defaults().withMode(mode));
                assertEquals(0, result.bytes(), mode + " at " + position);
                assertEquals(mode == SpliceMode.ZERO_COPY ? TransferPath.ZERO_COPY : TransferPath.PORTABLE,
                        result.path());
            }
        }
        assertNothingMoved();
    }

    @Test
    void aCountPastTheEndOfTheFileSendsToTheEnd() throws Exception {
        for (SpliceMode mode : new SpliceMode[] {SpliceMode.ZERO_COPY, SpliceMode.PORTABLE}) {
            try (Harness pair = new Harness()) {
                var received = pair.drain();
                SpliceResult result = Splice.transferWithResult(file, 0, Long.MAX_VALUE, pair.target().near(),
                        SpliceOptions.defaults().withMode(mode));
                pair.endTarget();
                assertEquals(new SpliceResult(FILE_SIZE, mode == SpliceMode.ZERO_COPY ? TransferPath.ZERO_COPY
                        : TransferPath.PORTABLE, Optional.empty()), result);
                assertEquals(Payload.expected(FILE_SIZE), received.get());
            }
        }
    }

    @Test
    void aCountStopsReadingTheSocketWhereItEnds() throws Exception {
        Path upload = dir.resolve("upload.bin");
        try (Harness feeding = new Harness(); FileChannel target = FileChannel.open(upload,
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Future<Digest> sent = feeding.feed(100_000);
            SocketChannel source = feeding.source().near();
            // Each call must take exactly its count and leave the rest, in order, for the next one.
            assertEquals(30_000, Splice.transferWithResult(source, target, 0, 30_000,
                    SpliceOptions.defaults().withMode(SpliceMode.ZERO_COPY)).bytes());
            assertEquals(30_000, Splice.transferWithResult(source, target, 30_000, 30_000,
                    SpliceOptions.defaults().withMode(SpliceMode.PORTABLE)).bytes());
            assertEquals(40_000, Splice.transfer(source, target, 60_000, Long.MAX_VALUE));
            assertEquals(sent.get(), FileRegion.digest(upload, 0, Long.MAX_VALUE));
        }
    }
}
