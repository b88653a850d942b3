package org.parley.dist;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs host commands with a time limit and keeps what they print. */
final class Commands {
    private Commands() {
    }

    record Result(List<String> command, int code, String out, String err) {
        /** The result, or an AssertionError that shows the command and everything it printed. */
        Result ok() {
            if (code != 0) {
                throw new AssertionError(this + " failed");
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " (exit " + code + ")\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(Duration timeout, List<String> command) {
        try {
            Path out = Files.createTempFile("parley-dist", ".out");
            Path err = Files.createTempFile("parley-dist", ".err");
            try {
                Process process = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new AssertionError(String.join(" ", command) + " did not end within " + timeout.toSeconds() + " s\n--- stdout\n"
                            + Files.readString(out) + "--- stderr\n" + Files.readString(err));
                }
                return new Result(command, process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    static Result run(String... command) {
        return run(Duration.ofMinutes(2), List.of(command));
    }

    /** The first of the candidates that is an executable file. */
    static Optional<Path> find(String... candidates) {
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(Path.of(candidate));
            }
        }
        return Optional.empty();
    }

    /**
     * Skips the calling test with the reason when {@code present} is false, or fails it when
     * {@code PARLEY_REQUIRE_DEB=1} (CI) says the package tests must run.
     */
    static void requireOrSkip(boolean present, String reason) {
        if (present) {
            return;
        }
        if ("1".equals(System.getenv("PARLEY_REQUIRE_DEB"))) {
            throw new AssertionError("PARLEY_REQUIRE_DEB=1 but " + reason);
        }
        assumeTrue(false, reason + ": the Debian package test is skipped");
    }
}
