package io.splice4j.support;

import java.security.SecureRandom;

/** The seed of a fuzz test: new each run and printed, or the one {@code -Dsplice4j.fuzz.seed=N} names, to rerun a failure. */
public final class FuzzSeed {

    private FuzzSeed() {
    }

    /**
     * Picks the seed and prints it.
     *
     * @param test the fuzz test, named in the line printed
     * @return the seed
     */
    public static long pick(Class<?> test) {
        long seed = Long.getLong("splice4j.fuzz.seed", new SecureRandom().nextLong());
        System.out.println(test.getSimpleName() + " seed " + seed);
        return seed;
    }
}
