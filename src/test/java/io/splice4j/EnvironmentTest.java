package io.splice4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splice4j.internal.linux.FdAccess;
import io.splice4j.internal.linux.ZeroCopySupport;
import io.splice4j.support.Harness;
import io.splice4j.support.Payload;
import io.splice4j.support.TestJvm;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each of the build's test JVMs gets exactly the zero-copy support its flags allow. */
@Tag("flag-free-jvm")
@Tag("portable-jvm")
class EnvironmentTest {

    @Test
    void zeroCopySupportMatchesTheJvmFlags() {
        switch (TestJvm.current()) {
            case DEFAULT -> {
                assertTrue(Splice.zeroCopy(), () -> "zero-copy off: " + Splice.zeroCopyUnavailableReason());
                assertEquals(Optional.empty(), Splice.zeroCopyUnavailableReason());
                assertEquals(FdAccess.Kind.REFLECTIVE, ZeroCopySupport.status().fdAccess().orElseThrow().kind());
            }
            case FLAG_FREE -> {
                assertTrue(Splice.zeroCopy(), () -> "zero-copy off: " + Splice.zeroCopyUnavailableReason());
                assertEquals(FdAccess.Kind.PROC_FD_MATCHER,
                        ZeroCopySupport.status().fdAccess().orElseThrow().kind());
            }
            case PORTABLE -> {
                assertFalse(Splice.zeroCopy());
                assertEquals(Optional.of("disabled by -Dsplice4j.mode=portable"), Splice.zeroCopyUnavailableReason());
            }
        }
    }

    @Test
    @Tag("portable-jvm")
    void zeroCopyModeFailsClearlyWhereDisabledAndConsumesNothing() throws Exception {
        assumeTrue(TestJvm.current() == TestJvm.PORTABLE, "only the portable test JVM has zero-copy disabled");
        try (Harness harness = new Harness()) {
            Payload.write(harness.source().far(), 5);
            ZeroCopyUnavailableException e = assertThrows(ZeroCopyUnavailableException.class,
                    () -> Splice.splice(harness.source().near(), harness.target().near(),
                            SpliceOptions.defaults().withMode(SpliceMode.ZERO_COPY)));
            assertEquals(FallbackReason.MODE, e.reason());
            assertEquals("zero-copy unavailable: disabled by -Dsplice4j.mode=portable", e.getMessage());
            assertEquals(Payload.expected(5), Payload.readExactly(harness.source().near(), 5));
        }
    }
}
