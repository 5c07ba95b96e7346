package io.splice4j.tool;

/**
 * A run of failures of one kind (accepts, upstream connects), so that the log gets the first
 * failure of a run and one line when it ends instead of a line per client.
 */
final class FailureRun {

    private long failures;

    /**
     * Counts a failure.
     *
     * @return whether it is the first of a run: log it
     */
    synchronized boolean failed() {
        return failures++ == 0;
    }

    /**
     * Ends the run, if one was going on.
     *
     * @return the failures it had, zero if none
     */
    synchronized long succeeded() {
        long run = failures;
        failures = 0;
        return run;
    }
}
