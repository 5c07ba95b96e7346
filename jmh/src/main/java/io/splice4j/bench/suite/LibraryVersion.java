package io.splice4j.bench.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Which library version was measured, for the table's header: a commit, and whether it was edited. */
final class LibraryVersion {

    private LibraryVersion() {
    }

    static String describe(Path sources) {
        if (sources == null) {
            return "library version unknown";
        }
        String commit = git(sources, "rev-parse", "--short", "HEAD");
        if (commit == null || commit.isEmpty()) {
            // Not in a git work tree, e.g. a `git archive` of some commit.
            return "library sources from " + sources.toAbsolutePath().normalize();
        }
        String changes = git(sources, "status", "--porcelain", "--", ".");
        return "library at " + commit + (changes == null || changes.isEmpty() ? "" : " with uncommitted changes");
    }

    private static String git(Path directory, String... arguments) {
        List<String> command = new ArrayList<>(List.of("git", "-C", directory.toString()));
        command.addAll(List.of(arguments));
        try {
            Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!git.waitFor(10, TimeUnit.SECONDS) || git.exitValue() != 0) {
                git.destroy();
                return null;
            }
            return out;
        } catch (IOException e) {
            return null; // No git here: the header says so.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
