package io.splice4j;

import io.splice4j.support.SocketRoute;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The two ways a relay runs; the relay suites run on both. */
enum RelayKind {
    /** A platform thread per direction. */
    THREADS,
    /** The JVM's shared {@link SpliceEngine}. */
    ENGINE;

    SpliceOptions.Builder options(SpliceMode mode) {
        SpliceOptions.Builder builder = SpliceOptions.builder().mode(mode);
        return this == ENGINE ? builder.engine(SpliceEngine.shared()) : builder;
    }

    /** Every kind with the zero-copy and portable modes, for {@code @MethodSource}. */
    static Stream<Arguments> withModes() {
        return Stream.of(values()).flatMap(kind -> Stream.of(SpliceMode.ZERO_COPY, SpliceMode.PORTABLE)
                .map(mode -> Arguments.of(kind, mode)));
    }

    /** {@link #withModes()} between every combination of TCP and Unix-domain sockets. */
    static Stream<Arguments> withModesAndRoutes() {
        return withModes().flatMap(arguments -> SocketRoute.all().stream()
                .map(route -> Arguments.of(arguments.get()[0], arguments.get()[1], route)));
    }
}
