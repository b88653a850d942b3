package org.parley.mls.testkit.fuzz;

import org.junit.jupiter.api.Test;
import org.parley.mls.testkit.Vectors;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Findings of the fuzz runs, kept as tests. */
class FuzzRegressionTest {
    /**
     * The million-input run (seed 1) reported "a changed PublicMessage was accepted": the input was
     * message-protection.json case 4's genuine commit_pub, cross-fed to the target built for the same
     * case's proposal_pub, which took only its own message as genuine. A target now accepts every
     * genuine message of its group; here every seed of the message targets goes to every target of
     * its kind, and none may be reported.
     */
    @Test
    void genuineMessagesFedToSiblingTargetsAreNoFinding() {
        List<FuzzSeed> seeds = FuzzCorpus.load(Vectors.file("mls/message-protection.json").getParent());
        Set<String> kinds = Set.of("PublicMessage unprotect", "PrivateMessage unprotect", "Group.process");
        List<String> findings = new ArrayList<>();
        for (FuzzSeed seed : seeds) {
            if (!kinds.contains(seed.target().name())) {
                continue;
            }
            seeds.stream().map(FuzzSeed::target).filter(t -> t.name().equals(seed.target().name())).distinct().forEach(target -> {
                Fuzzer.Failure failure = Fuzzer.check(target, seed.bytes());
                if (failure != null && failure != Fuzzer.Failure.REJECTED) {
                    findings.add(target.name() + ": " + failure.detail());
                }
            });
        }
        assertThat(findings).isEmpty();
    }
}
