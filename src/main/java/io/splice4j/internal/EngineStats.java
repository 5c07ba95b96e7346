package io.splice4j.internal;

/** What a running engine shows about itself, in JFR and JMX. */
public interface EngineStats {

    /** @return the engine's name, its loop threads' prefix */
    String name();

    /** @return the number of event loops */
    int loopCount();

    /** @return relays running now */
    int relays();

    /** @return pipes open now, in use or pooled */
    int openPipes();

    /** @return pipe capacity open now, in bytes */
    long openPipeBytes();

    /** @return how often the kernel granted a pipe less than the size asked for */
    int pipeResizeRefusals();

    /** @return how often a relay direction found no pipe in its loop's pool and copied a chunk instead */
    long poolExhaustions();
}
