package org.parley.bench.mls;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.bench.BenchRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class FuzzMainTest {

    /** The official MLS vectors, as the build passes them ({@code parley.vectors}); skipped with the reason where absent. */
    private static Path mlsVectors() {
        Path dir = Path.of(System.getProperty("parley.vectors", "../../shared/vectors")).resolve("mls").normalize();
        if (!Files.isRegularFile(dir.resolve("messages.json"))) {
            String reason = "official MLS vectors are absent from " + dir + "; the fuzz run needs them";
            if ("1".equals(System.getenv("PARLEY_REQUIRE_VECTORS"))) {
                Assertions.fail(reason + " (PARLEY_REQUIRE_VECTORS=1)");
            }
            Assumptions.abort(reason);
        }
        return dir;
    }

    @Test
    void aShortRunIsCleanAndCountsItsInputs() {
        BenchRun r = BenchRun.of("fuzz", "--inputs", "200", "--seed", "7", "--vectors", mlsVectors().toString());

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("MLS fuzz: ").contains("200 inputs, random seed 7").doesNotContain("FINDING");
    }

    @Test
    void aFolderWithoutTheVectorsIsAUsageError(@TempDir Path empty) {
        BenchRun r = BenchRun.of("fuzz", "--inputs", "200", "--vectors", empty.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("holds no messages.json; pass the MLS vector folder with --vectors");
    }
}
