package io.splice4j.internal.jmx;

/** A running engine, as the MBean {@code io.splice4j:type=Engine,name=<engine name>}. */
public interface EngineMXBean {

    /** @return the engine's name */
    String getName();

    /** @return the number of event loops */
    int getLoops();

    /** @return relays running now */
    int getRelays();

    /** @return pipes open now, in use or pooled */
    int getOpenPipes();

    /** @return pipe capacity open now, in bytes */
    long getOpenPipeBytes();

    /** @return how often the kernel granted a pipe less than the size asked for */
    int getPipeResizeRefusals();

    /** @return how often a relay direction found the pipe pool exhausted and copied a chunk */
    long getPoolExhaustions();
}
