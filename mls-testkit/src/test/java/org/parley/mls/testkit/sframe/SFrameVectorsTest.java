package org.parley.mls.testkit.sframe;

import org.junit.jupiter.api.Test;
import org.parley.mls.testkit.Vectors;
import org.parley.mls.testkit.vectors.VectorReport;

import static org.assertj.core.api.Assertions.assertThat;

class SFrameVectorsTest {

    @Test
    void everyOfficialSFrameVectorPasses() throws Exception {
        VectorReport report = SFrameVectors.run(Vectors.file("sframe/test-vectors.json"));
        System.out.println("sframe/" + report.summary());
        assertThat(report.failures()).isEmpty();
        // 289 header cases, 3 AES-CTR+HMAC cases and 5 full SFrame cases.
        assertThat(report.passed()).isEqualTo(297);
    }
}
