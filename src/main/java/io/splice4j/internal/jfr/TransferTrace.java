package io.splice4j.internal.jfr;

import io.splice4j.SpliceResult;
import java.nio.channels.Channel;

/**
 * A transfer's {@code io.splice4j.Transfer} event while it runs. {@link #begin()} returns
 * {@code null} when the event is disabled, so a transfer that nobody records costs one check.
 * The event is enabled or not for the whole transfer as it was when it began.
 */
public final class TransferTrace {

    private final TransferEvent event;
    private volatile Object source = "unknown";
    private volatile Object target = "unknown";
    private volatile boolean noted;

    private TransferTrace(TransferEvent event) {
        this.event = event;
    }

    /**
     * Begins the event if it is enabled.
     *
     * @return the running trace, or {@code null} if the event is disabled
     */
    public static TransferTrace begin() {
        TransferEvent event = new TransferEvent();
        if (!event.isEnabled()) {
            return null;
        }
        event.begin();
        return new TransferTrace(event);
    }

    /**
     * Notes the transfer's ends now, while they are open (a closed socket no longer tells its
     * address); they are formatted only if the event is written. Only the first call counts.
     *
     * @param source the channel read
     * @param target the channel written
     */
    public void between(Channel source, Channel target) {
        if (!noted) {
            noted = true;
            this.source = Endpoints.of(source);
            this.target = Endpoints.of(target);
        }
    }

    /**
     * Ends the event and commits it if it lasted past its threshold.
     *
     * @param result the transfer's bytes, path and fallback reason
     * @param failed whether it ended with an exception
     */
    public void end(SpliceResult result, boolean failed) {
        event.end();
        if (!event.shouldCommit()) {
            return;
        }
        event.path = result.path().name();
        event.fallback = result.fallbackReason().map(Enum::name).orElse("");
        event.bytes = result.bytes();
        event.failed = failed;
        event.source = Endpoints.text(source);
        event.target = Endpoints.text(target);
        event.commit();
    }
}
