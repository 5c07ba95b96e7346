package io.splice4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** One transfer, or one direction of a relay, from its start to its end. */
@Name("io.splice4j.Transfer")
@Label("splice4j Transfer")
@Category("splice4j")
@Description("A transfer, or one direction of a relay: path taken, fallback reason, bytes delivered")
@Threshold("20 ms")
@StackTrace(false)
final class TransferEvent extends jdk.jfr.Event {

    @Label("Path")
    @Description("ZERO_COPY or PORTABLE")
    String path;

    @Label("Fallback Reason")
    @Description("Why a transfer that asked for zero-copy copied; empty if it did not")
    String fallback;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("Failed")
    @Description("The transfer ended with an exception (a close, an interrupt or a timeout included)")
    boolean failed;

    @Label("Source")
    @Description("The source socket's peer address (its local one if it has none), or \"file\"")
    String source;

    @Label("Target")
    @Description("The target socket's peer address (its local one if it has none), or \"file\"")
    String target;
}
