package io.splice4j.support;

import java.util.Locale;

/**
 * Which of the build's test JVMs runs the tests; the build sets {@code splice4j.test.jvm}, and each
 * JVM's expectations differ by design.
 */
public enum TestJvm {
    /**
     * Native access, {@code --add-exports} and {@code --add-opens java.base/sun.nio.ch}: zero-copy with
     * the reflective socket and file fd accessors.
     */
    DEFAULT,
    /** Native access and no other flag: zero-copy through the {@code /proc/self/fd} matcher. */
    FLAG_FREE,
    /** {@code -Dsplice4j.mode=portable}: zero-copy disabled JVM-wide. */
    PORTABLE;

    /**
     * Returns the running JVM's kind.
     *
     * @return the kind, {@link #DEFAULT} when the property is unset (as in an IDE)
     */
    public static TestJvm current() {
        return valueOf(System.getProperty("splice4j.test.jvm", "default").toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
