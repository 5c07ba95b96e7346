package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Whole transfers, clean and failing, with their checks: shared by the failure and fd-hygiene tests. */
final class TransferScenarios {

    private TransferScenarios() {
    }

    static SpliceOptions options(SpliceMode mode) {
        return SpliceOptions.builder().chunkSize(64 * 1024).mode(mode).build();
    }

    /** A transfer that reaches end-of-stream: every byte arrives. */
    static void completes(SpliceMode mode, long size) throws Exception {
        try (Harness harness = new Harness()) {
            Future<Digest> sent = harness.feed(size);
            Future<Digest> received = harness.drain();
            long bytes = Splice.splice(harness.source().near(), harness.target().near(), options(mode));
            harness.endTarget();
            assertEquals(size, bytes);
            assertEquals(sent.get(), received.get());
        }
    }

    /**
     * The source's peer resets the connection after {@code delivered} bytes went through: the
     * transfer fails naming the reset, and counts exactly the bytes the target got.
     */
    static SpliceException sourceResetMidTransfer(SpliceMode mode, long delivered) throws Exception {
        try (Harness harness = new Harness()) {
            Future<Digest> sent = harness.run(() -> Payload.write(harness.source().far(), delivered));
            Future<SpliceResult> transfer = harness.run(() -> Splice.spliceWithResult(harness.source().near(),
                    harness.target().near(), options(mode)));
            Digest arrived = Payload.readExactly(harness.target().far(), delivered);
            assertEquals(sent.get(), arrived);
            Loopback.resetOnClose(harness.source().far());
            harness.source().far().close();

            SpliceException e = failure(transfer);
            assertEquals(delivered, e.bytesDelivered());
            if (mode == SpliceMode.ZERO_COPY) {
                assertEquals("ECONNRESET", e.errnoName());
                assertTrue(e.getMessage().matches("splice\\(fd \\d+ -> pipe\\): ECONNRESET, " + delivered
                        + " bytes delivered"), e.getMessage());
            } else {
                assertEquals("read(source)", e.operation());
                assertTrue(e.getMessage().startsWith("read(source): Connection reset"), e.getMessage());
            }
            return e;
        }
    }

    /**
     * The target's peer resets the connection while bytes keep coming: the transfer fails naming the
     * broken connection, having counted at least what the peer read and less than was sent.
     */
    static SpliceException targetResetMidTransfer(SpliceMode mode, long readBeforeReset) throws Exception {
        long size = 64L << 20;
        try (Harness harness = new Harness()) {
            harness.feed(size);
            Future<SpliceResult> transfer = harness.run(() -> Splice.spliceWithResult(harness.source().near(),
                    harness.target().near(), options(mode)));
            assertEquals(Payload.expected(readBeforeReset), Payload.readExactly(harness.target().far(), readBeforeReset));
            Loopback.resetOnClose(harness.target().far());
            harness.target().far().close();

            SpliceException e = failure(transfer);
            assertTrue(e.bytesDelivered() >= readBeforeReset && e.bytesDelivered() < size,
                    "bytes delivered: " + e.bytesDelivered());
            if (mode == SpliceMode.ZERO_COPY) {
                assertTrue(Set.of("EPIPE", "ECONNRESET").contains(e.errnoName()), e.getMessage());
                assertTrue(e.getMessage().matches("splice\\(pipe -> fd \\d+\\): (EPIPE|ECONNRESET), \\d+ bytes delivered"),
                        e.getMessage());
            } else {
                assertEquals("write(target)", e.operation());
            }
            return e;
        }
    }

    private static SpliceException failure(Future<SpliceResult> transfer) throws InterruptedException {
        ExecutionException thrown = assertThrows(ExecutionException.class, transfer::get);
        return assertInstanceOf(SpliceException.class, thrown.getCause());
    }
}
