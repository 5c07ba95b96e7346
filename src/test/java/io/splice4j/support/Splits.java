package io.splice4j.support;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Ways to cut input into the pieces a parser is fed, as reads from a stream would cut it. */
public final class Splits {

    private Splits() {
    }

    /**
     * Cuts {@code length} bytes into random pieces: most of 1 to {@code small} bytes, one in four
     * of 1 to {@code large}.
     *
     * @param length the bytes to cut
     * @param random the source of the cuts
     * @param small the largest of the common pieces
     * @param large the largest of the rare ones
     * @return the pieces' lengths, adding up to {@code length}
     */
    public static int[] random(int length, Random random, int small, int large) {
        List<Integer> pieces = new ArrayList<>();
        for (int left = length; left > 0; ) {
            int piece = Math.min(left, random.nextInt(4) == 0 ? 1 + random.nextInt(large) : 1 + random.nextInt(small));
            pieces.add(piece);
            left -= piece;
        }
        return pieces.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Cuts {@code length} bytes into single bytes.
     *
     * @param length the bytes to cut
     * @return as many ones
     */
    public static int[] bytes(int length) {
        int[] ones = new int[length];
        Arrays.fill(ones, 1);
        return ones;
    }
}
