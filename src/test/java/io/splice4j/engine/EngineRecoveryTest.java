package io.splice4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import io.splice4j.support.Digest;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engines recover: a closed shared engine is replaced, a failed start is no exception, a close drains late work. */
class EngineRecoveryTest {

    private static final long SIZE = 4L << 20;

    @Test
    @Timeout(60)
    void virtualThreadsSpliceAfterTheSharedEngineWasClosed() throws Exception {
        SpliceEngine.shared().close();
        try (Harness harness = new Harness(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Digest> fed = harness.feed(SIZE);
            Future<Digest> received = harness.drain();
            SpliceResult result = virtual.submit(() -> Splice.spliceWithResult(harness.source().near(),
                    harness.target().near(), SpliceOptions.defaults().withMode(SpliceMode.ZERO_COPY))).get(30,
                    TimeUnit.SECONDS);
            harness.endTarget();
            assertEquals(SIZE, result.bytes());
            assertEquals(TransferPath.ZERO_COPY, result.path());
            assertEquals(fed.get(), received.get());
        }
    }

    @Test
    @Timeout(60)
    void withNoFdsLeftForTheSharedEngineTransfersStillRunAndThrowNoUncheckedException() throws Exception {
        SpliceEngine.shared().close();
        try (Harness harness = new Harness(); ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Digest> fed = harness.feed(SIZE);
            Future<Digest> received = harness.drain();
            List<FileChannel> fillers = new ArrayList<>();
            SpliceResult result;
            try {
                fillUpFds(fillers);
                // Room for the transfer's two duplicates and its pipe, not for two event loops.
                for (int i = 0; i < 6; i++) {
                    fillers.removeLast().close();
                }
                result = Splice.spliceWithResult(harness.source().near(), harness.target().near(),
                        SpliceOptions.defaults());
            } finally {
                for (FileChannel filler : fillers) {
                    filler.close();
                }
            }
            harness.endTarget();
            assertEquals(SIZE, result.bytes(), result::toString);
            assertEquals(fed.get(), received.get());
        }
        // Once fds are back, the engine starts again (after the failed start's one-second back-off).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                assertTrue(SpliceEngine.shared().loops() > 0);
                break;
            } catch (java.io.UncheckedIOException stillBackingOff) {
                assertTrue(System.nanoTime() - deadline < 0, "the shared engine never started again");
                Thread.sleep(100);
            }
        }
    }

    @Test
    @Timeout(120)
    void aRelaySubmittedWhileItsEngineClosesAlwaysCompletesAndClosesItsChannels() throws Exception {
        for (int round = 0; round < 100; round++) {
            try (Harness harness = new Harness()) {
                SpliceEngine engine = SpliceEngine.builder().loops(1).name("closing-" + round).build();
                CountDownLatch go = new CountDownLatch(1);
                Future<Relay> submitted = harness.run(() -> {
                    go.await();
                    return Splice.relay(harness.source().near(), harness.target().near(),
                            SpliceOptions.builder().engine(engine).build());
                });
                go.countDown();
                engine.close();
                Relay relay;
                try {
                    relay = submitted.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertEquals("the engine is closed", e.getCause().getMessage());
                    continue;
                }
                RelayResult result = relay.completion().get(10, TimeUnit.SECONDS);
                assertFalse(harness.source().near().isOpen(), "round " + round + ": " + result);
                assertFalse(harness.target().near().isOpen(), "round " + round + ": " + result);
            }
        }
    }

    private static void fillUpFds(List<FileChannel> fillers) {
        Path devNull = Path.of("/dev/null");
        try {
            for (;;) {
                fillers.add(FileChannel.open(devNull, StandardOpenOption.READ));
            }
        } catch (IOException expected) {
            // Too many open files: every fd is taken.
        }
    }
}
