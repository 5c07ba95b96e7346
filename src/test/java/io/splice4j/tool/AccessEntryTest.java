package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splice4j.RelayResult;
import io.splice4j.SpliceResult;
import io.splice4j.TransferPath;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The access log's line for a connection: its members, their formats, and those left out. */
class AccessEntryTest {

    /** 2026-01-02T03:04:05.678Z. */
    private static final long START = 1_767_323_045_678L;

    @Test
    void aRelayedConnectionWithAProxyHeader() {
        RelayResult relay = new RelayResult(new SpliceResult(100, TransferPath.ZERO_COPY, Optional.empty()),
                new SpliceResult(2000, TransferPath.PORTABLE, Optional.empty()), RelayResult.End.COMPLETED,
                Optional.empty());
        AccessEntry entry = new AccessEntry(START, 1_234_567_891L, "/10.0.0.2:5555", new InetSocketAddress("10.0.0.2",
                5555), new InetSocketAddress("203.0.113.7", 4000), null, new InetSocketAddress("127.0.0.1", 8080),
                Optional.of(relay), ConnectionEnd.COMPLETED);
        assertEquals("{\"start\":\"2026-01-02T03:04:05.678Z\",\"duration_s\":1.234567,\"client\":\"203.0.113.7:4000\","
                + "\"via\":\"10.0.0.2:5555\",\"upstream\":\"127.0.0.1:8080\",\"bytes_to_upstream\":100,"
                + "\"bytes_to_client\":2000,\"path_to_upstream\":\"zero_copy\",\"path_to_client\":\"portable\","
                + "\"end\":\"completed\"}", entry.json());
    }

    @Test
    void aConnectionThatEndedBeforeItsRelayHasNoPathsAndNoUpstreamIfNoneWasChosen() throws IOException {
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("::1"), 40000);
        AccessEntry entry = new AccessEntry(START, 5_000, "/[0:0:0:0:0:0:0:1]:40000", client, null, null, null,
                Optional.empty(), ConnectionEnd.HEADER_REJECTED);
        assertEquals("{\"start\":\"2026-01-02T03:04:05.678Z\",\"duration_s\":0.000005,"
                + "\"client\":\"[0:0:0:0:0:0:0:1]:40000\",\"bytes_to_upstream\":0,\"bytes_to_client\":0,"
                + "\"end\":\"header_rejected\"}", entry.json());
    }

    @Test
    void aUnixClientGoesByItsSocketAndNumberAndAServerNameIsEscaped() {
        AccessEntry entry = new AccessEntry(START, 0, "unix:/run/f.sock #3", UnixDomainSocketAddress.of(""), null,
                "evil\"\n.example", UnixDomainSocketAddress.of("/run/up.sock"), Optional.empty(),
                ConnectionEnd.CONNECT_FAILED);
        String line = entry.json();
        assertEquals("{\"start\":\"2026-01-02T03:04:05.678Z\",\"duration_s\":0.000000,"
                + "\"client\":\"unix:/run/f.sock #3\","
                + "\"sni\":\"evil\\\"\\n.example\",\"upstream\":\"unix:/run/up.sock\",\"bytes_to_upstream\":0,"
                + "\"bytes_to_client\":0,\"end\":\"connect_failed\"}", line);
        Map<String, Object> parsed = StrictJson.object(line);
        assertEquals("evil\"\n.example", parsed.get("sni"));
    }

    @Test
    void durationsAreSecondsWithMicroseconds() {
        assertEquals("0.000000", AccessEntry.seconds(0));
        assertEquals("0.000000", AccessEntry.seconds(-5), "a clock that stepped back is no negative duration");
        assertEquals("0.000999", AccessEntry.seconds(999_999));
        assertEquals("59.000001", AccessEntry.seconds(59_000_001_000L));
        assertEquals("9223372036.854775", AccessEntry.seconds(Long.MAX_VALUE));
    }

    @Test
    void everyEndHasItsName() {
        assertEquals("completed reset_by_client reset_by_upstream idle_timeout connect_failed header_rejected "
                + "sni_rejected drained closed failed", String.join(" ", java.util.Arrays.stream(ConnectionEnd.values())
                .map(ConnectionEnd::wireName).toList()));
    }
}
