package io.splice4j.support;

import java.io.IOException;
import java.util.List;

/**
 * The kinds of the source and target connections of a transfer test.
 *
 * @param source the kind of the connection the code under test reads
 * @param target the kind of the connection the code under test writes
 */
public record SocketRoute(SocketKind source, SocketKind target) {

    /** TCP to TCP, the default. */
    public static final SocketRoute TCP = new SocketRoute(SocketKind.TCP, SocketKind.TCP);

    /**
     * Returns every combination: both kinds alike, and mixed either way.
     *
     * @return the routes, TCP to TCP first
     */
    public static List<SocketRoute> all() {
        return List.of(TCP, new SocketRoute(SocketKind.UNIX, SocketKind.UNIX),
                new SocketRoute(SocketKind.UNIX, SocketKind.TCP), new SocketRoute(SocketKind.TCP, SocketKind.UNIX));
    }

    /**
     * Connects a harness for this route.
     *
     * @return the harness
     * @throws IOException if connecting fails
     */
    public Harness harness() throws IOException {
        return new Harness(source, target);
    }

    @Override
    public String toString() {
        return source + "->" + target;
    }
}
