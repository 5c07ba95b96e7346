package io.splice4j.tool;

import io.splice4j.Splice;
import io.splice4j.SpliceMode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.ZoneId;

/**
 * The {@code splice4j} command: a TCP and Unix-socket forwarder, with the PROXY protocol, built on {@link io.splice4j.Relay} and
 * {@link io.splice4j.SpliceEngine}, and its self-check. Run {@code java -jar splice4j.jar --help}.
 */
public final class Forwarder {

    /** How long connections in flight may take to finish on SIGINT/SIGTERM before they are closed. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofMillis(500);

    private Forwarder() {
    }

    /**
     * Runs the command. Exits 2 with the usage on bad arguments or a taken {@code --listen unix:}
     * path, 1 if the forwarder can't start; a
     * forwarder runs until SIGINT or SIGTERM, then prints a summary and exits 0.
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
            parsed = ForwarderArgs.parse(args);
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
        ForwarderServer forwarder;
        try {
            forwarder = ForwarderServer.start(args, result -> { });
        } catch (ListenPathException e) {
            System.err.println("splice4j: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IOException e) {
            System.err.println("splice4j: can't start on " + Endpoints.text(args.listen()) + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        out.println("splice4j: " + forwarder.describe());
        out.flush();
        if (forwarder.maxConnections() > forwarder.fdRoom()) {
            ForwarderLog.warning("--max-connections {0} is more than the open-files limit leaves room for ({1}): "
                    + "clients past that are closed when fds run out (raise the limit with ulimit -n)",
                    forwarder.maxConnections(), forwarder.fdRoom());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                forwarder.close(SHUTDOWN_GRACE);
            } catch (Exception e) {
                out.println("splice4j: closing failed: " + e);
            }
            out.println(forwarder.summary());
            out.flush();
            // A signal would otherwise end the JVM with 128 + its number; stopping on request is success.
            try {
                FlightRecordings.writeBeforeHalt();
            } catch (RuntimeException | LinkageError e) {
                // Out of fds even loading a class may fail; the exit status must still be 0.
                out.println("splice4j: the flight recording was not written: " + e);
            }
            Runtime.getRuntime().halt(0);
        }, "splice4j-shutdown"));
    }
}
