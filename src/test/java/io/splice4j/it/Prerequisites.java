package io.splice4j.it;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What an integration suite needs from the machine. Where it is missing, the suite is skipped with
 * a one-line reason, except in CI ({@code CI=true}, or {@code -Dsplice4j.it.required=true}),
 * where a suite that can't run fails: a green CI must mean the suite really ran.
 */
final class Prerequisites {

    private Prerequisites() {
    }

    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || Boolean.getBoolean("splice4j.it.required");
    }

    /** Skips (or, in CI, fails) the calling test or class unless {@code met}. */
    static void require(boolean met, String reason) {
        if (met) {
            return;
        }
        if (required()) {
            fail("CI=true, so this suite must run, but it " + reason);
        }
        String suite = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass().getSimpleName();
        // Failsafe shows only a count of skipped tests: say why on the console too, on one line.
        System.out.println(suite + " skipped: it " + reason + " (CI=true makes this a failure)");
        Assumptions.abort("skipped: it " + reason + " (CI=true makes this a failure)");
    }
}
