package org.parley.mls.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the official test vectors in {@code ../shared/vectors} (system property
 * {@code parley.vectors}, set by the build). Where they are absent a test is skipped with the
 * reason, except when {@code PARLEY_REQUIRE_VECTORS=1} (CI), where absence is a failure.
 */
public final class Vectors {
    private Vectors() {
    }

    public static Path file(String relative) {
        String dir = System.getProperty("parley.vectors", "../../shared/vectors");
        Path path = Path.of(dir).resolve(relative).normalize();
        if (!Files.isRegularFile(path)) {
            String reason = "official test vector " + path + " is absent; tests that need it are skipped";
            if ("1".equals(System.getenv("PARLEY_REQUIRE_VECTORS"))) {
                Assertions.fail(reason.replace("are skipped", "cannot run") + " (PARLEY_REQUIRE_VECTORS=1)");
            }
            Assumptions.abort(reason);
        }
        return path;
    }
}
