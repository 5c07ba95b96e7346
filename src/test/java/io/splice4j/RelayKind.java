package io.splice4j;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The ways a relay runs; the relay suites run on every one this JVM supports. */
enum RelayKind {
    /** {@link Splice#relay} with no engine and no executor: the shared engine, or virtual threads. */
    DEFAULT,
    /** The JVM's shared {@link SpliceEngine}, named explicitly. */
    ENGINE,
    /** A platform thread per direction, through an executor. */
    PLATFORM_THREADS,
    /** A virtual thread per direction, through an executor. */
    VIRTUAL_THREADS;

    SpliceOptions.Builder options(SpliceMode mode) {
        SpliceOptions.Builder builder = SpliceOptions.builder().mode(mode);
        return switch (this) {
            case DEFAULT -> builder;
            case ENGINE -> builder.engine(SpliceEngine.shared());
            case PLATFORM_THREADS -> builder.executor(command -> Thread.ofPlatform().daemon().start(command));
            case VIRTUAL_THREADS -> builder.executor(command -> Thread.ofVirtual().start(command));
        };
    }

    /** Every kind this JVM runs, with the modes it supports, for {@code @MethodSource}. */
    static Stream<Arguments> withModes() {
        return Stream.of(values())
                .filter(kind -> kind != ENGINE || SpliceEngine.supported())
                .flatMap(kind -> Stream.of(SpliceMode.ZERO_COPY, SpliceMode.PORTABLE)
                        .filter(mode -> mode != SpliceMode.ZERO_COPY || Splice.zeroCopy())
                        .map(mode -> Arguments.of(kind, mode)));
    }
}
