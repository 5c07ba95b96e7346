package io.splice4j.tool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The mechanics of connecting upstream, blocking (a virtual thread parks while it waits): a client's
 * tries as its {@link UpstreamAttempts} direct them, and health checks. Which server and when is the
 * policy's; this says only how each try ended, and whose doing that was: a socket that could not be
 * made here (out of fds) blames no server, a connect that failed blames its server.
 */
final class UpstreamDialer {

    private final Duration timeout;

    /** @param timeout how long a client's connect may take ({@code --connect-timeout}) */
    UpstreamDialer(Duration timeout) {
        this.timeout = timeout;
    }

    /** How long a client's connect may take. */
    Duration timeout() {
        return timeout;
    }

    /**
     * Connects to the servers {@code attempts} names, one after another, until one connects or no
     * try is left.
     *
     * @param holder takes each new socket before it connects, so that a close of its own aborts the
     *     connect; {@code false} if it closed already (the socket is closed and the tries end)
     * @return the connected socket; {@code attempts} holds its server
     * @throws UpstreamConnectException if no try connected
     * @throws ClosedChannelException if the holder closed the socket meanwhile
     */
    SocketChannel connect(UpstreamAttempts attempts, Predicate<SocketChannel> holder)
            throws IOException, InterruptedException {
        for (UpstreamServer server = attempts.next(); server != null; server = attempts.next()) {
            try {
                SocketChannel upstream = dial(server.address(), timeout, holder);
                attempts.connected();
                return upstream;
            } catch (NoSocket e) {
                attempts.failedHere(e.getCause().toString());
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                attempts.failed(reason(e, timeout), e instanceof SocketTimeoutException);
            }
        }
        throw attempts.exhausted();
    }

    /**
     * A health check: connects to {@code address} and closes the socket at once.
     *
     * @param checkTimeout how long the connect may take
     * @return empty if it connected, or why not
     * @throws IOException if no check could be made: no socket here (out of fds), or the thread was interrupted
     */
    Optional<String> probe(SocketAddress address, Duration checkTimeout) throws IOException, InterruptedException {
        try {
            dial(address, checkTimeout, channel -> true).close();
            return Optional.empty();
        } catch (NoSocket | ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            return Optional.of(reason(e, checkTimeout));
        }
    }

    /** Why a connect failed, for people. */
    private static String reason(IOException e, Duration timeout) {
        return e instanceof SocketTimeoutException ? "no answer within " + ForwarderArgs.format(timeout) : e.toString();
    }

    /** Connects a new socket to {@code address}; a failed connect closes its socket. */
    private static SocketChannel dial(SocketAddress address, Duration timeout, Predicate<SocketChannel> holder)
            throws IOException, InterruptedException {
        if (!(address instanceof InetSocketAddress)) {
            return dialUnix(address, timeout, holder);
        }
        SocketChannel upstream = open(null, holder);
        try {
            upstream.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            return upstream;
        } catch (IOException | RuntimeException | Error e) {
            Connection.closeQuietly(upstream);
            throw e;
        }
    }

    /**
     * A Unix connect fails at once where no one listens, as a refused TCP connect does, and with
     * {@code EAGAIN} while the listener's backlog is full, where TCP would go on waiting for its
     * handshake; so that one is retried, backing off from 5 ms to 100 ms, until the timeout. A failed
     * connect closes its channel: each try takes a new one.
     */
    private static SocketChannel dialUnix(SocketAddress address, Duration timeout, Predicate<SocketChannel> holder)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMillis = 5;
        for (;;) {
            SocketChannel upstream = open(StandardProtocolFamily.UNIX, holder);
            try {
                upstream.connect(address);
                return upstream;
            } catch (SocketException e) {
                Connection.closeQuietly(upstream);
                if (!backlogFull(e)) {
                    throw e;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    SocketTimeoutException late = new SocketTimeoutException("the listener's backlog stayed full");
                    late.initCause(e);
                    throw late;
                }
                Thread.sleep(Math.min(backoffMillis, Math.max(1, left / 1_000_000)));
                backoffMillis = Math.min(100, backoffMillis * 2);
            } catch (IOException | RuntimeException | Error e) {
                Connection.closeQuietly(upstream);
                throw e;
            }
        }
    }

    /** {@code EAGAIN} from a Unix connect: the JDK reports it by its C library message only. */
    private static boolean backlogFull(SocketException e) {
        return String.valueOf(e.getMessage()).contains("temporarily unavailable");
    }

    /** A new socket, of {@code family} or ({@code null}) the JDK's default for TCP, taken by {@code holder}. */
    private static SocketChannel open(StandardProtocolFamily family, Predicate<SocketChannel> holder)
            throws IOException {
        SocketChannel upstream;
        try {
            upstream = family == null ? SocketChannel.open() : SocketChannel.open(family);
        } catch (IOException e) {
            throw new NoSocket(e);
        }
        if (!holder.test(upstream)) {
            upstream.close();
            throw new AsynchronousCloseException();
        }
        return upstream;
    }

    /** No socket could be made here (out of fds, say): the JDK reports it as a {@link SocketException} too. */
    private static final class NoSocket extends IOException {

        private static final long serialVersionUID = 1L;

        NoSocket(IOException cause) {
            super(cause);
        }
    }
}
