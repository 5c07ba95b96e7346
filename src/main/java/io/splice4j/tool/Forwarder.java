package io.splice4j.tool;

import io.splice4j.Splice;
import io.splice4j.SpliceMode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.ZoneId;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code splice4j} command: a TCP and Unix-socket forwarder, with the PROXY protocol, built on {@link io.splice4j.Relay} and
 * {@link io.splice4j.SpliceEngine}, and its self-check. Run {@code java -jar splice4j.jar --help}.
 */
public final class Forwarder {

    /** How long the summary waits for log lines queued before it. */
    private static final Duration LOG_FLUSH = Duration.ofSeconds(2);

    private Forwarder() {
    }

    /**
     * Runs the command; an argument {@code @FILE} stands for the arguments in FILE ({@link ArgFiles}).
     * Exits 2 with the usage on bad arguments or a taken {@code --listen unix:}
     * path, 1 if the forwarder can't start. A forwarder runs until SIGTERM or SIGINT, then drains
     * (stops accepting, lets open connections finish for {@code --drain-timeout}, resets the rest;
     * a second signal ends the drain at once), prints a summary and exits 0; or until a failure
     * stops it serving reliably, which drains it the same way and exits 1.
     *
     * @param args the command line
     * @throws Exception if the self-check or the forwarder can't start
     */
    public static void main(String[] args) throws Exception {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
        ForwarderArgs parsed;
        try {
            parsed = ForwarderArgs.parse(ArgFiles.expand(args));
        } catch (IllegalArgumentException e) {
            System.err.println("splice4j: " + e.getMessage());
            System.err.println(ForwarderArgs.USAGE);
            System.exit(2);
            return;
        }
        if (parsed.help()) {
            System.out.println(ForwarderArgs.USAGE);
        } else if (parsed.selfCheck()) {
            System.exit(SelfCheck.run(System.out) ? 0 : 1);
        } else if (parsed.mode() == SpliceMode.ZERO_COPY && !Splice.zeroCopy()) {
            System.err.println("splice4j: --mode zero-copy, but this JVM can't splice: "
                    + Splice.zeroCopyUnavailableReason().orElse("?"));
            System.exit(1);
        } else {
            serve(parsed, System.out);
        }
    }

    private static void serve(ForwarderArgs args, PrintStream out) throws Exception {
        // Load the time zone rules now, which the log format needs: loading them later, when the
        // process may be out of fds, would fail.
        ZoneId.systemDefault().getRules();
        IdleHeapReturn.enable();
        StopRequests stop = new StopRequests();
        // First: a signal that comes while the forwarder starts is a stop request too.
        boolean bySignals = StopSignals.install(stop::signal);
        ForwarderServer forwarder;
        try {
            forwarder = ForwarderServer.start(args, result -> { }, stop::failed);
        } catch (ListenPathException e) {
            System.err.println("splice4j: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IOException e) {
            System.err.println("splice4j: can't start on " + Endpoints.text(args.listen()) + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch finished = new CountDownLatch(1);
        if (!bySignals) {
            // Without signal handlers the JVM is already exiting when the hook runs: it drains and
            // halts with the status (a signal would otherwise end the JVM with 128 + its number).
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.signal();
                try {
                    finished.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                FlightRecordings.writeBeforeHalt();
                Runtime.getRuntime().halt(stop.exitStatus());
            }, "splice4j-shutdown"));
        }
        out.println("splice4j: " + forwarder.describe());
        out.flush();
        if (forwarder.maxConnections() > forwarder.fdRoom()) {
            ForwarderLog.warning("--max-connections {0} is more than the open-files limit leaves room for ({1}): "
                    + "clients past that are closed when fds run out (raise the limit with ulimit -n)",
                    forwarder.maxConnections(), forwarder.fdRoom());
        }
        stop.await();
        stop.onSecondSignal(forwarder::endDrainNow);
        forwarder.stopAccepting();
        out.println("splice4j: stopping on " + stop.reason() + ": not accepting; " + forwarder.openConnections()
                + " connections open, draining for up to " + ForwarderArgs.format(args.drainTimeout())
                + " (a second SIGTERM or SIGINT ends the drain at once)");
        out.flush();
        ForwarderServer.Drained drained = forwarder.drain(args.drainTimeout());
        out.println("splice4j: drained in " + drained.millis() + " ms: " + (drained.open() - drained.reset())
                + " of " + drained.open() + " connections ended by themselves, " + drained.reset() + " reset");
        boolean logCaughtUp = ForwarderLog.flush(LOG_FLUSH);
        out.println(forwarder.summary());
        out.flush();
        if (!bySignals) {
            finished.countDown();
        } else if (logCaughtUp) {
            System.exit(stop.exitStatus());
        } else {
            // The log's destination is blocked (a pipe nobody reads): the JVM's exit would flush the
            // console handler on its way out and wait for it forever.
            FlightRecordings.writeBeforeHalt();
            Runtime.getRuntime().halt(stop.exitStatus());
        }
    }
}
