package io.splice4j.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of the library's events in this JVM, every one enabled with no threshold and the
 * engine event written when the recording stops, read back from its file.
 */
public final class JfrCapture implements AutoCloseable {

    /** The event names. */
    public static final String TRANSFER = "io.splice4j.Transfer";
    /** The relay event. */
    public static final String RELAY = "io.splice4j.Relay";
    /** The periodic engine event. */
    public static final String ENGINE = "io.splice4j.Engine";

    private final Recording recording = new Recording();
    private final Path file;

    /**
     * Starts recording.
     *
     * @param dir where the recording file goes
     * @throws IOException if the file can't be created
     */
    public JfrCapture(Path dir) throws IOException {
        file = Files.createTempFile(dir, "splice4j", ".jfr");
        recording.enable(TRANSFER).withThreshold(java.time.Duration.ZERO);
        recording.enable(RELAY).withThreshold(java.time.Duration.ZERO);
        recording.enable(ENGINE).with("period", "endChunk");
        recording.start();
    }

    /**
     * Stops recording and returns the library's events of one name that match.
     *
     * @param name the event name
     * @param filter which of them
     * @return the events, in file order
     * @throws IOException if the file can't be written or read
     */
    public List<RecordedEvent> stop(String name, Predicate<RecordedEvent> filter) throws IOException {
        if (recording.getState() == jdk.jfr.RecordingState.RUNNING) {
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(event -> event.getEventType().getName().equals(name)).filter(filter).toList();
    }

    /**
     * How the events write a socket's peer address: {@code 127.0.0.1:port}.
     *
     * @param channel a connected socket
     * @return its peer address as text
     * @throws IOException if it is closed
     */
    public static String peer(SocketChannel channel) throws IOException {
        InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
        return remote.getAddress().getHostAddress() + ":" + remote.getPort();
    }

    /** Stops recording, if still running, and deletes the file. */
    @Override
    public void close() throws IOException {
        recording.close();
        Files.deleteIfExists(file);
    }
}
