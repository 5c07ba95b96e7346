package io.splice4j.internal.linux;

import io.splice4j.support.Loopback;
import io.splice4j.support.SocketKind;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints how long the flag-free matcher takes to find the fds of n freshly accepted TCP channels,
 * one after another, in a process holding them all: first with all n accepted before the first
 * lookup, then with each looked up as soon as it is accepted (relays starting one by one).
 *
 * <p>Run after {@code ./mvnw -B -q test-compile}, with the toolchain's java:
 * {@code java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes:$(cat cp.txt)
 * io.splice4j.internal.linux.FdLookupScaling 1000 5000}, where {@code cp.txt} holds the test class
 * path from {@code ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=cp.txt}. With
 * {@code --sample K} first, only K evenly spaced channels are looked up (all n are still accepted)
 * and the total is extrapolated: for a slow matcher whose full run would take many minutes.
 */
public final class FdLookupScaling {

    private FdLookupScaling() {
    }

    /**
     * Measures each count given.
     *
     * @param args {@code [--sample K] count...}; counts 1000 and 5000 if none
     * @throws Exception if a socket or lookup fails
     */
    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(List.of(args));
        int sample = Integer.MAX_VALUE;
        if (!rest.isEmpty() && rest.getFirst().equals("--sample")) {
            rest.removeFirst();
            sample = Integer.parseInt(rest.removeFirst());
        }
        if (rest.isEmpty()) {
            rest = List.of("1000", "5000");
        }
        // Binding libc and loading the JDK's socket classes is a one-off cost that would land on the first lookup.
        try (Loopback loopback = new Loopback()) {
            new ProcFdMatcher().find(loopback.pair(SocketKind.TCP).near());
        }
        for (String count : rest) {
            int n = Integer.parseInt(count);
            int every = Math.max(1, n / Math.min(n, sample));
            acceptedFirst(n, every);
            lookedUpAsAccepted(n, every);
        }
    }

    private static void acceptedFirst(int count, int every) throws Exception {
        try (Loopback loopback = new Loopback()) {
            List<SocketChannel> accepted = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                accepted.add(loopback.pair(SocketKind.TCP).near());
            }
            ProcFdMatcher matcher = new ProcFdMatcher();
            int looked = 0;
            long start = System.nanoTime();
            for (int i = 0; i < count; i += every) {
                matcher.find(accepted.get(i));
                looked++;
            }
            report(count, looked, "all accepted, then looked up", System.nanoTime() - start);
        }
    }

    private static void lookedUpAsAccepted(int count, int every) throws Exception {
        try (Loopback loopback = new Loopback()) {
            ProcFdMatcher matcher = new ProcFdMatcher();
            long looking = 0;
            int looked = 0;
            for (int i = 0; i < count; i++) {
                SocketChannel channel = loopback.pair(SocketKind.TCP).near();
                if (i % every == 0) {
                    long start = System.nanoTime();
                    matcher.find(channel);
                    looking += System.nanoTime() - start;
                    looked++;
                }
            }
            report(count, looked, "each looked up when accepted", looking);
        }
    }

    private static void report(int count, int looked, String how, long nanos) {
        double perLookup = nanos / 1e3 / looked;
        System.out.printf("%5d channels (%d looked up), %-29s: %9.1f ms for all %d (%s), %8.1f us per lookup%n",
                count, looked, how, perLookup * count / 1e3, count, looked == count ? "measured" : "extrapolated",
                perLookup);
    }
}
