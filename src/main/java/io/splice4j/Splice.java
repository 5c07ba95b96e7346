package io.splice4j;

import io.splice4j.internal.Metrics;
import io.splice4j.internal.linux.ZeroCopySupport;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Optional;

/**
 * Moves bytes from one socket to another inside the Linux kernel with {@code splice(2)}, or through
 * one reused buffer where that isn't possible.
 *
 * {@snippet :
 * try (SocketChannel client = server.accept();
 *      SocketChannel upstream = SocketChannel.open(backend)) {
 *     Thread.ofPlatform().start(() -> Splice.splice(64 * 1024, upstream, client)); // handle the IOException
 *     long sent = Splice.splice(64 * 1024, client, upstream);
 * }
 * }
 *
 * <h2>Paths</h2>
 * A transfer splices (source socket → pipe → target socket, no byte entering user space) when
 * {@link #zeroCopy()} is true, the channels are the JDK's own socket channels, the caller is a
 * platform thread and the kernel accepts the pair; in {@link SpliceMode#AUTO} it otherwise copies
 * through a direct buffer, and {@link #spliceWithResult} and {@link #metrics()} say which path ran
 * and why. Calls from virtual threads copy: splicing would need a wait in a blocking native call,
 * which would pin the carrier; the copy loop parks properly.
 *
 * <h2>JVM flags</h2>
 * {@code --enable-native-access=ALL-UNNAMED} (or {@code =io.splice4j} on the module path) lets the
 * library call libc; {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (or {@code =io.splice4j})
 * lets it read a channel's fd directly. Without the second flag it finds fds by matching addresses in
 * {@code /proc/self/fd}, which costs a scan per new channel; without the first it copies.
 *
 * <h2>Channels and cancellation</h2>
 * Both channels must be open, connected and in blocking mode. A transfer closes and shuts down
 * neither. While it runs the sockets are in the kernel's non-blocking mode, as after a virtual
 * thread has used them; the channels stay in blocking mode and behave as before. Closing either
 * channel from another thread ends the transfer with
 * {@link java.nio.channels.AsynchronousCloseException}, and interrupting the transferring thread
 * closes both channels and ends it with {@link java.nio.channels.ClosedByInterruptException}.
 */
public final class Splice {

    private Splice() {
    }

    /**
     * Moves bytes from {@code source} to {@code target} until {@code source} reaches end-of-stream:
     * the seed's loop. Uses {@link SpliceMode#AUTO} and the default hints.
     *
     * @param chunkSize the most bytes moved per call; on the zero-copy path also the pipe capacity
     *     asked for, on the portable path the buffer size (capped at 4 MiB)
     * @param source the channel to read; open, connected, blocking
     * @param target the channel to write; open, connected, blocking
     * @return bytes delivered to {@code target}
     * @throws IllegalArgumentException if {@code chunkSize} is not positive
     * @throws ClosedChannelException if a channel is closed on entry
     * @throws NotYetConnectedException if a channel is not connected
     * @throws IllegalBlockingModeException if a channel is in non-blocking mode
     * @throws SpliceException if a system call or channel operation fails
     * @throws IOException on other I/O failures, including asynchronous close and interrupt
     */
    public static long splice(int chunkSize, SocketChannel source, SocketChannel target) throws IOException {
        return splice(source, target, SpliceOptions.defaults().withChunkSize(chunkSize));
    }

    /**
     * Moves bytes from {@code source} to {@code target} until {@code source} reaches end-of-stream.
     *
     * @param source the channel to read; open, connected, blocking
     * @param target the channel to write; open, connected, blocking
     * @param options chunk size, mode and hints
     * @return bytes delivered to {@code target}
     * @throws ClosedChannelException if a channel is closed on entry
     * @throws NotYetConnectedException if a channel is not connected
     * @throws IllegalBlockingModeException if a channel is in non-blocking mode
     * @throws ZeroCopyUnavailableException if the mode is {@link SpliceMode#ZERO_COPY} and this
     *     transfer can't splice; nothing was read
     * @throws SpliceException if a system call or channel operation fails
     * @throws IOException on other I/O failures, including asynchronous close and interrupt
     */
    public static long splice(SocketChannel source, SocketChannel target, SpliceOptions options) throws IOException {
        return spliceWithResult(source, target, options).bytes();
    }

    /**
     * Like {@link #splice(SocketChannel, SocketChannel, SpliceOptions)}, and says which path ran.
     *
     * @param source the channel to read; open, connected, blocking
     * @param target the channel to write; open, connected, blocking
     * @param options chunk size, mode and hints
     * @return bytes delivered, the path taken and, if it copied in {@link SpliceMode#AUTO}, why
     * @throws ClosedChannelException if a channel is closed on entry
     * @throws NotYetConnectedException if a channel is not connected
     * @throws IllegalBlockingModeException if a channel is in non-blocking mode
     * @throws ZeroCopyUnavailableException if the mode is {@link SpliceMode#ZERO_COPY} and this
     *     transfer can't splice; nothing was read
     * @throws SpliceException if a system call or channel operation fails
     * @throws IOException on other I/O failures, including asynchronous close and interrupt
     */
    public static SpliceResult spliceWithResult(SocketChannel source, SocketChannel target, SpliceOptions options)
            throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        checkUsable(source);
        checkUsable(target);
        return new Direction(source, target, options).run();
    }

    /**
     * Joins two channels both ways with the default options: see {@link Relay}.
     *
     * @param a one channel; open, connected, blocking
     * @param b the other channel; open, connected, blocking
     * @return the running relay, which now owns both channels
     * @throws IOException as {@link #relay(SocketChannel, SocketChannel, SpliceOptions)}
     */
    public static Relay relay(SocketChannel a, SocketChannel b) throws IOException {
        return relay(a, b, SpliceOptions.defaults());
    }

    /**
     * Joins two channels both ways: bytes from {@code a} go to {@code b} and from {@code b} to
     * {@code a} until both directions end, with half-close passed on. See {@link Relay}.
     *
     * @param a one channel; open, connected, blocking
     * @param b the other channel; open, connected, blocking
     * @param options chunk size, mode, hints and the executor for the two directions
     * @return the running relay, which now owns both channels
     * @throws IllegalArgumentException if {@code a} and {@code b} are the same channel
     * @throws ClosedChannelException if a channel is closed
     * @throws NotYetConnectedException if a channel is not connected
     * @throws IllegalBlockingModeException if a channel is in non-blocking mode
     * @throws ZeroCopyUnavailableException if the mode is {@link SpliceMode#ZERO_COPY} and this JVM
     *     can't splice; nothing was read
     * @throws IOException never otherwise: failures while running are reported by
     *     {@link Relay#completion()}
     */
    public static Relay relay(SocketChannel a, SocketChannel b, SpliceOptions options) throws IOException {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(options, "options");
        if (a == b) {
            throw new IllegalArgumentException("a and b must be different channels");
        }
        checkUsable(a);
        checkUsable(b);
        ZeroCopySupport support = ZeroCopySupport.status();
        if (options.mode() == SpliceMode.ZERO_COPY && !support.available()) {
            throw new ZeroCopyUnavailableException(support.unavailableReason().orElseThrow(),
                    "zero-copy unavailable: " + support.message().orElseThrow());
        }
        if (options.engine().isPresent()) {
            return options.engine().get().relay(a, b, options);
        }
        return new Relay(ThreadedRelay.start(a, b, options));
    }

    /**
     * Returns whether transfers in this JVM can use {@code splice(2)}: Linux, native access
     * enabled, and a way to read socket fds. Individual transfers may still copy (virtual threads,
     * channels that aren't the JDK's, pairs the kernel refuses). Never throws.
     *
     * @return {@code true} if zero-copy transfers are possible
     */
    public static boolean zeroCopy() {
        return ZeroCopySupport.status().available();
    }

    /**
     * Returns why {@link #zeroCopy()} is false: the OS, or the JVM flag to add.
     *
     * @return the reason, empty when zero-copy is available
     */
    public static Optional<String> zeroCopyUnavailableReason() {
        return ZeroCopySupport.status().message();
    }

    /**
     * Returns a snapshot of the library-wide counters.
     *
     * @return the counters now
     */
    public static SpliceMetrics metrics() {
        return Metrics.snapshot();
    }

    static void checkUsable(SocketChannel channel) throws ClosedChannelException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (!channel.isConnected()) {
            throw new NotYetConnectedException();
        }
        if (!channel.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
    }
}
