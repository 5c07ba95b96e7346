package io.splice4j.tool;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Binds the forwarder's listening Unix socket: replaces a stale socket file a crashed forwarder
 * left behind, but never another file or a socket in use, and gives the new file its mode before
 * any client can connect.
 */
final class UnixListenSocket {

    private static final int FILE_TYPE_BITS = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private UnixListenSocket() {
    }

    /**
     * Binds a socket at {@code path} with {@code mode}, or the umask's mode if empty.
     *
     * @throws ListenPathException naming the path if it is taken
     * @throws IOException if binding fails
     */
    static ServerSocketChannel bind(Path path, Optional<Set<PosixFilePermission>> mode, int backlog)
            throws IOException {
        removeStale(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            if (mode.isEmpty()) {
                server.bind(UnixDomainSocketAddress.of(path), backlog);
            } else {
                bindWithMode(server, path, mode.get(), backlog);
            }
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Removes the socket file; its absence is no failure. */
    static void remove(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            ForwarderLog.warning("can''t remove the socket file {0}: {1}", path, e.toString());
        }
    }

    private static void removeStale(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!isSocket(path, attributes)) {
            throw new ListenPathException("--listen unix:" + path + ": the path exists and is not a socket ("
                    + kind(attributes) + "); not replacing it");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new ListenPathException("--listen unix:" + path + ": a server is listening there already");
        } catch (ConnectException refused) {
            // Nothing accepts: the file is what a process that ended without cleaning up left.
            Files.deleteIfExists(path);
        }
    }

    /**
     * Binds in a directory only the owner can enter, sets the mode, then renames the file into
     * place: binding at the path itself would let clients in under the umask's mode until the
     * mode is set.
     */
    private static void bindWithMode(ServerSocketChannel server, Path path, Set<PosixFilePermission> mode,
            int backlog) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        Path directory = Files.createTempDirectory(parent, ".splice4j-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temporary = directory.resolve("s");
        try {
            server.bind(UnixDomainSocketAddress.of(temporary), backlog);
            Files.setPosixFilePermissions(temporary, mode);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
            Files.delete(directory);
        }
    }

    private static boolean isSocket(Path path, BasicFileAttributes attributes) throws IOException {
        return attributes.isOther()
                && ((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & FILE_TYPE_BITS)
                        == SOCKET_TYPE;
    }

    private static String kind(BasicFileAttributes attributes) {
        return attributes.isRegularFile() ? "a regular file" : attributes.isDirectory() ? "a directory"
                : attributes.isSymbolicLink() ? "a symbolic link" : "a special file";
    }
}
