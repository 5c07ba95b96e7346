package io.splice4j.internal.jfr;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.channels.SocketChannel;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;

/** A transfer or relay that nobody records carries no trace: the disabled cost is one check. */
class TraceEnablementTest {

    @Test
    void noTraceWithoutARecordingOrWithTheEventsDisabled() throws Exception {
        assertNull(TransferTrace.begin(), "no recording");
        assertNull(RelayTrace.begin(null, null), "no recording");
        try (Recording recording = new Recording()) {
            recording.disable("io.splice4j.Transfer");
            recording.disable("io.splice4j.Relay");
            recording.enable("jdk.SocketRead");
            recording.start();
            assertNull(TransferTrace.begin(), "a recording with the event disabled");
            assertNull(RelayTrace.begin(null, null), "a recording with the event disabled");
        }
    }

    @Test
    void aTraceOnceTheEventIsEnabledAndNoneAfterTheRecordingStops() throws Exception {
        try (Recording recording = new Recording(); SocketChannel unconnected = SocketChannel.open()) {
            recording.enable("io.splice4j.Transfer");
            recording.enable("io.splice4j.Relay");
            recording.start();
            assertNotNull(TransferTrace.begin());
            assertNotNull(RelayTrace.begin(unconnected, unconnected));
            recording.stop();
            assertNull(TransferTrace.begin());
            assertNull(RelayTrace.begin(unconnected, unconnected));
        }
    }
}
