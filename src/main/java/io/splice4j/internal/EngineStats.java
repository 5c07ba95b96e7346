package io.splice4j.internal;

/** What a running engine shows about itself, in JFR and JMX. */
public interface EngineStats {

    /**
     * Returns the engine's name, its loop threads' prefix.
     *
     * @return the engine's name, its loop threads' prefix
     */
    String name();

    /**
     * Returns the number of event loops.
     *
     * @return the number of event loops
     */
    int loopCount();

    /**
     * Returns relays running now.
     *
     * @return relays running now
     */
    int relays();

    /**
     * Returns pipes open now, in use or pooled.
     *
     * @return pipes open now, in use or pooled
     */
    int openPipes();

    /**
     * Returns pipe capacity open now, in bytes.
     *
     * @return pipe capacity open now, in bytes
     */
    long openPipeBytes();

    /**
     * Returns how often the kernel granted a pipe less than the size asked for.
     *
     * @return how often the kernel granted a pipe less than the size asked for
     */
    int pipeResizeRefusals();

    /**
     * Returns how often a relay direction found no pipe in its loop's pool and copied a chunk instead.
     *
     * @return how often a relay direction found no pipe in its loop's pool and copied a chunk instead
     */
    long poolExhaustions();
}
