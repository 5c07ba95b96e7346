package io.splice4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** A running engine's state, sampled periodically. */
@Name("io.splice4j.Engine")
@Label("splice4j Engine")
@Category("splice4j")
@Description("A running SpliceEngine: loops, relays, pipes and pool exhaustion")
@Period("5 s")
@StackTrace(false)
final class EngineEvent extends jdk.jfr.Event {

    @Label("Name")
    String name;

    @Label("Loops")
    int loops;

    @Label("Relays")
    @Description("Relays running now")
    int relays;

    @Label("Pipes Open")
    @Description("Pipes open now, in use or pooled")
    int pipesOpen;

    @Label("Pipe Bytes")
    @Description("Pipe capacity open now")
    @DataAmount
    long pipeBytes;

    @Label("Pipe Resize Refusals")
    int resizeRefusals;

    @Label("Pool Exhaustions")
    @Description("Times a relay direction found no pipe in its loop's pool and copied a chunk instead")
    long poolExhaustions;
}
