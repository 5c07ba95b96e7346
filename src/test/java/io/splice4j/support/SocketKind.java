package io.splice4j.support;

/** The kinds of connected stream socket a {@link Loopback} makes, and transfers are tested between. */
public enum SocketKind {
    /** A loopback TCP connection. */
    TCP,
    /** A Unix-domain stream connection through a socket file in a temporary directory. */
    UNIX
}
