package org.parley.mls.testkit.vectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.mls.testkit.Vectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs every official MLS vector file this module implements; any failed case fails the test. */
class MlsVectorFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"tree-math.json", "crypto-basics.json", "secret-tree.json", "key-schedule.json",
            "psk_secret.json", "transcript-hashes.json", "message-protection.json",
            "messages.json", "tree-operations.json", "tree-validation.json", "treekem.json"})
    void everyCasePasses(String name) throws Exception {
        VectorReport report = VectorRunner.mls().run(Vectors.file("mls/" + name));
        System.out.println(report.summary());
        assertThat(report.failures()).as(report.summary()).isEmpty();
        assertThat(report.passed()).as(report.summary()).isPositive();
    }
}
