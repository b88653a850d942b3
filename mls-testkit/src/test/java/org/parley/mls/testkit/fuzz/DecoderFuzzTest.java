package org.parley.mls.testkit.fuzz;

import org.junit.jupiter.api.Test;
import org.parley.mls.testkit.Vectors;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded, reproducible fuzz run (fixed seed) over every decoder and the validation targets,
 * seeded from the official vectors; the million-input run is {@code ./parley bench fuzz}.
 */
class DecoderFuzzTest {
    @Test
    void mutatedVectorMessagesAreRejectedOnlyWithTheTypedException() {
        List<FuzzSeed> seeds = FuzzCorpus.load(Vectors.file("mls/messages.json").getParent());
        Fuzzer.Report report = new Fuzzer(seeds, 20261128L, Duration.ofSeconds(10)).run(Long.getLong("parley.fuzz.inputs", 10_000), 0, line -> { });
        System.out.println("decoder fuzz: " + report.summary() + " " + report.inputsPerTarget());
        assertThat(report.findings().stream().map(f -> f.target() + ": " + f.detail() + " input " + f.inputHex())
                .collect(Collectors.joining("\n"))).isEmpty();
        assertThat(report.completed()).isTrue();
        assertThat(report.inputsPerTarget()).containsKeys("MLSMessage", "KeyPackage", "Welcome", "GroupInfo", "GroupSecrets",
                "Commit", "Proposal", "LeafNode", "GroupContext", "RatchetTree", "KeyPackage validation",
                "RatchetTree validation", "PrivateMessage unprotect", "Group.process");
        assertThat(report.rejected()).isPositive();
    }
}
