package org.parley.bench.mls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.bench.BenchRun;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class JoinBenchTest {

    @Test
    void aTinyRunPrintsOneRowPerThreadCount(@TempDir Path dir) {
        Path saved = dir.resolve("join.bin");
        BenchRun built = BenchRun.of("join", "--members", "6", "--rounds", "1", "--warmup", "0", "--threads", "1,2",
                "--save", saved.toString());

        assertThat(built.code()).as(built.err()).isZero();
        assertThat(built.out()).contains("Built a group of 6 members").contains("| threads | wall ms, median (min) |");
        assertThat(built.out().lines().filter(line -> line.startsWith("| 1 |") || line.startsWith("| 2 |"))).hasSize(2);

        BenchRun reloaded = BenchRun.of("join", "--load", saved.toString(), "--rounds", "2", "--warmup", "1", "--threads", "2");
        assertThat(reloaded.code()).as(reloaded.err()).isZero();
        assertThat(reloaded.out()).contains("Read a Welcome into 7 members");
        assertThat(reloaded.out().lines().filter(line -> line.startsWith("| 2 |"))).hasSize(1);
    }

    @Test
    void aFileThatIsNotASavedJoinIsRefused(@TempDir Path dir) throws Exception {
        Path other = java.nio.file.Files.write(dir.resolve("other.bin"), new byte[] {0, 0, 0, 9, 1, 2});

        BenchRun r = BenchRun.of("join", "--load", other.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("not a saved join of this benchmark");
    }
}
