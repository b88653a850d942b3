package org.parley.mls.vectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.mls.Vectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the official tree, TreeKEM and message vectors; every case of each file must pass. */
class TreeAndMessageVectorsTest {
    @ParameterizedTest
    @ValueSource(strings = {"tree-operations.json", "tree-validation.json", "treekem.json"})
    void everyCasePasses(String file) throws Exception {
        VectorReport report = VectorRunner.mls().run(Vectors.file("mls/" + file));
        System.out.println(report.summary());
        assertThat(report.failures()).as(report.summary()).isEmpty();
        assertThat(report.passed()).as(report.summary()).isPositive();
    }
}
