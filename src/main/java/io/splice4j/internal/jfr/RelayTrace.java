package io.splice4j.internal.jfr;

import io.splice4j.RelayResult;
import java.nio.channels.SocketChannel;

/**
 * A relay's {@code io.splice4j.Relay} event while it runs; {@link #begin} returns {@code null} when
 * the event is disabled. The channels' addresses are noted when it begins, while they are open.
 */
public final class RelayTrace {

    private final RelayEvent event;
    private final Object a;
    private final Object b;

    private RelayTrace(RelayEvent event, SocketChannel a, SocketChannel b) {
        this.event = event;
        this.a = Endpoints.of(a);
        this.b = Endpoints.of(b);
    }

    /**
     * Begins the event if it is enabled.
     *
     * @param a one channel
     * @param b the other
     * @return the running trace, or {@code null} if the event is disabled
     */
    public static RelayTrace begin(SocketChannel a, SocketChannel b) {
        RelayEvent event = new RelayEvent();
        if (!event.isEnabled()) {
            return null;
        }
        event.begin();
        return new RelayTrace(event, a, b);
    }

    /**
     * Ends the event and commits it if it lasted past its threshold.
     *
     * @param result the relay's result
     */
    public void end(RelayResult result) {
        event.end();
        if (!event.shouldCommit()) {
            return;
        }
        event.a = Endpoints.text(a);
        event.b = Endpoints.text(b);
        event.bytesAtoB = result.aToB().bytes();
        event.bytesBtoA = result.bToA().bytes();
        event.pathAtoB = result.aToB().path().name();
        event.pathBtoA = result.bToA().path().name();
        event.end = result.end().name();
        event.failure = result.failure().map(Throwable::toString).orElse("");
        event.commit();
    }
}
