/**
 * Helpers for the tests, shared with the JMH suite: jmh/pom.xml compiles this package, all but its
 * {@code *Test} classes, into the benchmarks, so nothing else here may use JUnit or another
 * test-only library.
 */
package io.splice4j.support;
