package io.splice4j;

import io.splice4j.internal.FallbackRule;
import io.splice4j.internal.Metrics;
import io.splice4j.internal.ThreadedRelay;
import io.splice4j.internal.Transfers;
import io.splice4j.internal.linux.NotSpliceableException;
import io.splice4j.internal.linux.SharedEngine;
import io.splice4j.internal.linux.ZeroCopySupport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
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
 * {@link #zeroCopy()} is true, the channels are the JDK's own socket channels and the kernel
 * accepts the pair; in {@link SpliceMode#AUTO} it otherwise copies through a direct buffer, and
 * {@link #spliceWithResult} and {@link #metrics()} say which path ran and why. While a socket isn't
 * ready the thread parks on the {@linkplain SpliceEngine#shared() shared engine}'s event loop: a
 * virtual thread never sits in a blocking native call (so it splices too), and an idle transfer
 * costs no CPU.
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
 *
 * <h2>Files</h2>
 * {@link #transfer(FileChannel, long, long, SocketChannel)} sends part of a file to a socket with
 * {@code sendfile(2)}; {@link #transfer(SocketChannel, FileChannel, long, long)} splices a socket's
 * bytes through a pipe into a file. Both take an explicit position, leave the file's position alone,
 * and follow the rules above, the file channel being one of the two channels. They read a file's fd
 * directly with {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (or {@code =io.splice4j}, which
 * also serves sockets); without it they find it by the lock a transfer briefly takes on one byte far
 * past the file's end, which {@code /proc/self/fdinfo} lists under the channel's fd.
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
        return Transfers.sockets(source, target, options, Transfers.newRecord(options));
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
     * <p>Where it runs: on the engine the options name; else on the executor they name, a thread
     * per direction; else on the {@linkplain SpliceEngine#shared() shared engine} where engines can
     * run (no thread per relay), and elsewhere (or if it can't start, or the channels are not the
     * JDK's own) on a virtual thread per direction. No relay costs a platform thread unless asked.
     *
     * @param a one channel; open, connected, blocking
     * @param b the other channel; open, connected, blocking
     * @param options chunk size, mode, hints, idle timeout, and the engine or executor
     * @return the running relay, which now owns both channels
     * @throws IllegalArgumentException if {@code a} and {@code b} are the same channel
     * @throws IllegalStateException if the options name an engine that is closed
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
        SpliceEngine engine = options.engine().orElse(null);
        if (engine != null) {
            return engineRelay(engine.core(), a, b, options);
        }
        if (options.executor().isPresent()) {
            return new Relay(ThreadedRelay.start(a, b, options, options.executor().get()));
        }
        // The default: the shared engine where it runs; elsewhere a virtual thread per direction,
        // so that no relay costs a platform thread unless asked for.
        return engineRelay(support.available() ? SharedEngine.coreOrNull() : null, a, b, options);
    }

    private static Relay engineRelay(io.splice4j.internal.linux.EngineCore engine, SocketChannel a, SocketChannel b,
            SpliceOptions options) throws IOException {
        if (engine != null) {
            try {
                return new Relay(engine.relay(a, b, options));
            } catch (NotSpliceableException e) {
                // Each direction records the reason itself when it finds the pair unspliceable too.
                FallbackRule.failIfZeroCopy(options.mode(), e.reason(), e.getMessage());
            }
        }
        return new Relay(ThreadedRelay.start(a, b, options, command -> Thread.ofVirtual().name("splice4j-relay")
                .start(command)));
    }

    /**
     * Sends up to {@code count} bytes of a file, from {@code position}, to a socket: see
     * {@link #transferWithResult(FileChannel, long, long, SocketChannel, SpliceOptions)}.
     *
     * @param source the file; open for reading
     * @param position where in the file to start; past its end, nothing is sent
     * @param count the most bytes to send
     * @param target the socket; open, connected, blocking
     * @return bytes delivered to {@code target}; fewer than {@code count} if the file ends first
     * @throws IOException as {@link #transferWithResult(FileChannel, long, long, SocketChannel, SpliceOptions)}
     */
    public static long transfer(FileChannel source, long position, long count, SocketChannel target)
            throws IOException {
        return transferWithResult(source, position, count, target, SpliceOptions.defaults()).bytes();
    }

    /**
     * Sends up to {@code count} bytes of a file, from {@code position}, to a socket, like
     * {@link FileChannel#transferTo} but until {@code count} bytes are sent or the file ends, and in
     * the kernel: on Linux with {@code sendfile(2)} from the position (no pipe needed), elsewhere or
     * when that can't run with {@code transferTo} itself (a virtual thread copies through a direct
     * buffer instead, because the JDK's {@code sendfile} would pin its carrier). The file's position is
     * not changed, and a file that is shorter than {@code position + count}, or is truncated while the
     * transfer runs, ends it early with the bytes sent so far.
     *
     * <p><b>Page cache:</b> the kernel sends the file's cached pages, not a snapshot: bytes of the
     * range changed while the transfer runs (until the peer has acknowledged them) may be sent in
     * their changed state. Don't modify a file while it is being sent, or send a copy.
     *
     * <p><b>File locks:</b> the zero-copy path uses a duplicate of the file's fd, and on Linux closing
     * any fd of a file releases the process's {@link java.nio.channels.FileLock}s on it. A file this
     * JVM holds locks on is therefore sent with {@code transferTo} ({@link FallbackReason#FILE_LOCKED});
     * don't take locks on it while the transfer runs.
     *
     * @param source the file; open for reading
     * @param position where in the file to start; past its end, nothing is sent
     * @param count the most bytes to send
     * @param target the socket; open, connected, blocking
     * @param options the mode; the chunk size is the most bytes per call (the buffer size when
     *     copying); the hints are not used
     * @return bytes delivered to {@code target}, the path taken and, if it copied in
     *     {@link SpliceMode#AUTO}, why
     * @throws IllegalArgumentException if {@code position} or {@code count} is negative
     * @throws java.nio.channels.NonReadableChannelException if {@code source} was not opened for reading
     * @throws ClosedChannelException if a channel is closed on entry
     * @throws NotYetConnectedException if {@code target} is not connected
     * @throws IllegalBlockingModeException if {@code target} is in non-blocking mode
     * @throws ZeroCopyUnavailableException if the mode is {@link SpliceMode#ZERO_COPY} and this
     *     transfer can't run in the kernel; nothing was sent
     * @throws SpliceException if a system call or channel operation fails
     * @throws IOException on other I/O failures, including asynchronous close and interrupt
     */
    public static SpliceResult transferWithResult(FileChannel source, long position, long count, SocketChannel target,
            SpliceOptions options) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        checkRange(position, count);
        if (!source.isOpen()) {
            throw new ClosedChannelException();
        }
        checkUsable(target);
        // A read of nothing checks read access (NonReadableChannelException) without any I/O.
        source.read(ByteBuffer.allocate(0), position);
        return Transfers.fileToSocket(source, position, count, target, options);
    }

    /**
     * Writes up to {@code count} bytes from a socket into a file at {@code position}: see
     * {@link #transferWithResult(SocketChannel, FileChannel, long, long, SpliceOptions)}.
     *
     * @param source the socket; open, connected, blocking
     * @param target the file; open for writing
     * @param position where in the file to write the first byte; past its end, the file grows
     * @param count the most bytes to move
     * @return bytes written to {@code target}; fewer than {@code count} if the socket's stream ends first
     * @throws IOException as {@link #transferWithResult(SocketChannel, FileChannel, long, long, SpliceOptions)}
     */
    public static long transfer(SocketChannel source, FileChannel target, long position, long count)
            throws IOException {
        return transferWithResult(source, target, position, count, SpliceOptions.defaults()).bytes();
    }

    /**
     * Writes bytes from a socket into a file at {@code position} until {@code count} bytes are
     * written or the socket's stream ends, like {@link FileChannel#transferFrom} but in the kernel:
     * on Linux the socket is spliced into a pipe and the pipe into the file at a 64-bit offset, so no
     * byte enters user space (the JDK copies through an 8 KiB heap buffer). Elsewhere, or when that
     * can't run, it copies through one direct buffer. It never reads more than {@code count} bytes
     * from the socket, and doesn't change the file's position. A file opened with {@code APPEND} gets
     * the bytes appended whatever the position, as {@link FileChannel#write(java.nio.ByteBuffer, long)}
     * does on Linux (and copies: the kernel can't splice into it).
     *
     * <p><b>File locks:</b> as for sending, a file this JVM holds locks on is written by copying
     * ({@link FallbackReason#FILE_LOCKED}); don't take locks on it while the transfer runs.
     *
     * @param source the socket; open, connected, blocking
     * @param target the file; open for writing
     * @param position where in the file to write the first byte; past its end, the file grows
     * @param count the most bytes to move
     * @param options the mode; the chunk size is the most bytes per call and the pipe capacity asked
     *     for (the buffer size when copying); {@link SpliceOptions#moveHint()}
     * @return bytes written to {@code target}, the path taken and, if it copied in
     *     {@link SpliceMode#AUTO}, why
     * @throws IllegalArgumentException if {@code position} or {@code count} is negative
     * @throws java.nio.channels.NonWritableChannelException if {@code target} was not opened for writing
     * @throws ClosedChannelException if a channel is closed on entry
     * @throws NotYetConnectedException if {@code source} is not connected
     * @throws IllegalBlockingModeException if {@code source} is in non-blocking mode
     * @throws ZeroCopyUnavailableException if the mode is {@link SpliceMode#ZERO_COPY} and this
     *     transfer can't run in the kernel; nothing was read
     * @throws SpliceException if a system call or channel operation fails; bytes read from the socket
     *     but not written to the file are lost and not counted
     * @throws IOException on other I/O failures, including asynchronous close and interrupt
     */
    public static SpliceResult transferWithResult(SocketChannel source, FileChannel target, long position, long count,
            SpliceOptions options) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        checkRange(position, count);
        checkUsable(source);
        if (!target.isOpen()) {
            throw new ClosedChannelException();
        }
        // A write of nothing checks write access (NonWritableChannelException) without any I/O.
        target.write(ByteBuffer.allocate(0), position);
        return Transfers.socketToFile(source, target, position, count, options);
    }

    /**
     * Returns whether transfers in this JVM can use {@code splice(2)}: Linux, native access
     * enabled, and a way to read socket fds. Individual transfers may still copy (channels that
     * aren't the JDK's, pairs the kernel refuses, no pipe to be had). Never throws.
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

    private static void checkRange(long position, long count) {
        if (position < 0) {
            throw new IllegalArgumentException("position must not be negative: " + position);
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
    }

    private static void checkUsable(SocketChannel channel) throws ClosedChannelException {
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
