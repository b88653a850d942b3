package org.parley.mls.testkit.vectors;

import org.junit.jupiter.api.Test;
import org.parley.mls.testkit.Vectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs all 128 RFC 9180 HPKE vectors; any failed case fails the test. */
class HpkeVectorFileTest {

    @Test
    void everyCasePasses() throws Exception {
        VectorReport report = VectorRunner.hpke().run(Vectors.file("hpke/test-vectors.json"));
        System.out.println(report.summary());
        assertThat(report.failures()).as(report.summary()).isEmpty();
        assertThat(report.passed()).isEqualTo(128);
    }
}
