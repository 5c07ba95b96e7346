package io.splice4j.tool;

import java.io.IOException;

/**
 * The {@code --listen unix:} path is taken: by a file that is no socket, or by a socket something
 * listens on. A mistake in the command line rather than a failure, so the forwarder exits 2.
 */
final class ListenPathException extends IOException {

    private static final long serialVersionUID = 1L;

    ListenPathException(String message) {
        super(message);
    }
}
