package io.splice4j.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splice4j.Relay;
import io.splice4j.RelayResult;
import io.splice4j.Splice;
import io.splice4j.SpliceEngine;
import io.splice4j.SpliceOptions;
import io.splice4j.support.Loopback;
import io.splice4j.support.Payload;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A channel closed while {@code Splice.relay} starts it on an engine frees its fd number at once,
 * and the next socket opened takes that number. The failed start must not touch the number again:
 * a relay that took the new socket onto the same loop keeps getting its events. Deterministic: the
 * test holds the second channel's {@link SocketChannel#blockingLock()}, which stops the start
 * after it switched the first channel to non-blocking mode, closes the first channel there, and
 * starts the other relay on its number before letting the failed start go on.
 */
class RelayStartCloseRaceTest {

    @Test
    @Timeout(60)
    void aChannelClosedDuringStartDoesNotTakeAnotherRelaysSocketOutOfEpoll() throws Exception {
        assumeTrue(Splice.zeroCopy(), "an engine needs native access on Linux");
        FdAccess fds = ZeroCopySupport.status().fdAccess().orElseThrow();
        try (Loopback loopback = new Loopback();
             SpliceEngine engine = SpliceEngine.builder().loops(1).name("start-race").build()) {
            SpliceOptions onEngine = SpliceOptions.builder().engine(engine).build();
            Loopback.Pair starting = loopback.pair();
            Loopback.Pair out = loopback.pair();
            SocketChannel a = starting.near();
            SocketChannel b = starting.far();
            CompletableFuture<Relay> failedStart = new CompletableFuture<>();
            SocketChannel reused;
            SocketChannel feeder;
            Relay survivor;
            synchronized (b.blockingLock()) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        failedStart.complete(Splice.relay(a, b, onEngine));
                    } catch (Throwable t) {
                        failedStart.completeExceptionally(t);
                    }
                });
                awaitNonBlocking(a);
                int number = fds.pinnedFd(a);
                a.close();
                reused = SocketChannel.open(loopback.address());
                feeder = loopback.accept();
                assertEquals(number, fds.pinnedFd(reused), "the next socket took the closed channel's number");
                survivor = Splice.relay(reused, out.near(), onEngine);
                Payload.write(feeder, 1000);
                assertEquals(Payload.expected(1000), Payload.readExactly(out.far(), 1000), "the other relay runs");
            }
            RelayResult failed = failedStart.get(10, TimeUnit.SECONDS).completion().get(10, TimeUnit.SECONDS);
            assertEquals(RelayResult.End.FAILED, failed.end());
            assertInstanceOf(ClosedChannelException.class, failed.failure().orElseThrow());

            try (feeder) {
                Future<?> arrived = CompletableFuture.runAsync(() -> {
                    try {
                        Payload.readExactly(out.far(), 100_000);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                Payload.write(feeder, 100_000);
                arrived.get(10, TimeUnit.SECONDS);
                survivor.close();
            }
        }
    }

    /** Waits until the start has switched {@code channel} to non-blocking mode; it then blocks on the held lock. */
    private static void awaitNonBlocking(SocketChannel channel) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (channel.isBlocking()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the relay's start never switched the channel to non-blocking mode");
            }
            Thread.sleep(1); // sampling a flag that no event reports
        }
    }
}
