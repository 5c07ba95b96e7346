package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command line for Unix sockets and the PROXY protocol. */
class EdgeArgsTest {

    @Test
    void unixAddressesAndProxyOptions() {
        ForwarderArgs args = ForwarderArgs.parse("--listen", "unix:/run/app/in.sock", "--connect", "127.0.0.1:8080",
                "--unix-mode", "0660", "--accept-proxy", "--send-proxy", "v2", "--proxy-timeout", "750ms");
        assertEquals(UnixDomainSocketAddress.of("/run/app/in.sock"), args.listen());
        assertEquals(new InetSocketAddress("127.0.0.1", 8080), args.upstream().servers().getFirst().address());
        assertEquals(Optional.of(PosixFilePermissions.fromString("rw-rw----")), args.edge().unixMode());
        assertTrue(args.edge().acceptProxy());
        assertEquals(Optional.of(EdgeOptions.ProxyVersion.V2), args.edge().sendProxy());
        assertEquals(Duration.ofMillis(750), args.edge().proxyTimeout());
        assertEquals("unix:/run/app/in.sock", Endpoints.text(args.listen()));
        assertEquals("/127.0.0.1:8080", Endpoints.text(args.upstream().servers().getFirst().address()));
    }

    @Test
    void defaultsAreOff() {
        ForwarderArgs args = ForwarderArgs.parse("--listen", "127.0.0.1:1", "--connect", "unix:relative.sock");
        assertEquals(UnixDomainSocketAddress.of("relative.sock"), args.upstream().servers().getFirst().address());
        assertEquals(EdgeOptions.NONE, args.edge());
        assertFalse(args.edge().acceptProxy());
        assertEquals(Duration.ofSeconds(5), args.edge().proxyTimeout());
    }

    @Test
    void aUnixPathLongerThanTheKernelTakesIsNamed() {
        String path = "/tmp/" + "x".repeat(103);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForwarderArgs.parse("--listen", "unix:" + path, "--connect", "127.0.0.1:1"));
        assertEquals("--listen: a Unix socket path has at most 107 bytes, got '" + path + "'", e.getMessage());
    }

    @Test
    void usageNamesTheNewOptions() {
        for (String option : new String[] {"unix:/path/to.sock", "--unix-mode", "--send-proxy v1|v2", "--accept-proxy",
            "--proxy-timeout", "(default 5s)"}) {
            assertTrue(ForwarderArgs.USAGE.contains(option), option);
        }
    }
}
