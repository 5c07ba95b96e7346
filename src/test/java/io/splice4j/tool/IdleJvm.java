package io.splice4j.tool;

import java.io.IOException;

/** A JVM that does nothing: the threads any JVM of this java starts, to compare the forwarder's with. */
public final class IdleJvm {

    private IdleJvm() {
    }

    /**
     * Prints {@code ready} and waits for standard input to end.
     *
     * @param args none
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        System.out.println("ready");
        while (System.in.read() >= 0) {
            // Waiting for the parent to close our input or kill us.
        }
    }
}
