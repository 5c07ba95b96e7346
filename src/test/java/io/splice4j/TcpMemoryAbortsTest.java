package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** A reset fails a test unless the kernel was resetting sockets for want of memory meanwhile. */
class TcpMemoryAbortsTest {

    @Test
    void readsTheCounterFromTheTcpExtLines() {
        List<String> netstat = List.of(
                "TcpExt: SyncookiesSent TCPAbortOnData TCPAbortOnMemory TCPAbortOnTimeout",
                "TcpExt: 0 595 7 0",
                "IpExt: InNoRoutes InTruncatedPkts",
                "IpExt: 0 0");
        assertEquals(7, TcpMemoryAborts.parse(netstat));
        assertTrue(TcpMemoryAborts.count() >= 0);
    }

    @Test
    void aResetFailsTheTestWhenTheKernelResetNothingForMemory() {
        AtomicLong counter = new AtomicLong(3);
        TcpMemoryAborts aborts = new TcpMemoryAborts(counter::get);
        SocketException reset = new SocketException("Connection reset");
        ExecutionException thrown = assertThrows(ExecutionException.class,
                () -> aborts.get(CompletableFuture.failedFuture(reset), 1, TimeUnit.SECONDS));
        assertSame(reset, thrown.getCause());
    }

    @Test
    void aResetAbortsTheTestWhenTheKernelResetSocketsForMemory() {
        AtomicLong counter = new AtomicLong(3);
        TcpMemoryAborts aborts = new TcpMemoryAborts(counter::get);
        counter.set(5);
        TestAbortedException thrown = assertThrows(TestAbortedException.class, () -> aborts.get(
                CompletableFuture.failedFuture(new SocketException("Connection reset")), 1, TimeUnit.SECONDS));
        assertTrue(thrown.getMessage().contains("reset 2 TCP socket(s) for want of memory"), thrown::getMessage);
    }

    @Test
    void anythingButAResetStillFails() throws Exception {
        AtomicLong counter = new AtomicLong(3);
        TcpMemoryAborts aborts = new TcpMemoryAborts(counter::get);
        counter.set(5);
        assertThrows(ExecutionException.class, () -> aborts.get(
                CompletableFuture.failedFuture(new IOException("stream ended after 3 of 10 bytes")), 1,
                TimeUnit.SECONDS));
        assertEquals("done", aborts.get(CompletableFuture.completedFuture("done"), 1, TimeUnit.SECONDS));
    }
}
