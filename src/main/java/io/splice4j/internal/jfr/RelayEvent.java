package io.splice4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** One relay, from its start to the end of both directions. */
@Name("io.splice4j.Relay")
@Label("splice4j Relay")
@Category("splice4j")
@Description("A relay between two sockets: bytes and path of each direction, and how it ended")
@Threshold("20 ms")
@StackTrace(false)
final class RelayEvent extends jdk.jfr.Event {

    @Label("A")
    @Description("Channel a's peer address (its local one if it has none)")
    String a;

    @Label("B")
    @Description("Channel b's peer address (its local one if it has none)")
    String b;

    @Label("Bytes A to B")
    @DataAmount
    long bytesAtoB;

    @Label("Bytes B to A")
    @DataAmount
    long bytesBtoA;

    @Label("Path A to B")
    String pathAtoB;

    @Label("Path B to A")
    String pathBtoA;

    @Label("End")
    @Description("COMPLETED, FAILED, CLOSED or IDLE_TIMEOUT")
    String end;

    @Label("Failure")
    @Description("The failure that ended the relay, if it failed")
    String failure;
}
