package org.parley.mls.testkit.vectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.mls.testkit.Vectors;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the group-layer vector files (Welcome and passive client); any failed case fails the test. */
class GroupVectorFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"welcome.json", "passive-client-welcome.json", "passive-client-handling-commit.json"})
    void everyCasePasses(String name) throws Exception {
        VectorReport report = VectorRunner.mls().run(Vectors.file("mls/" + name));
        System.out.println(report.summary());
        report.failures().stream().limit(5).forEach(System.out::println);
        assertThat(report.failures()).as(report.summary()).isEmpty();
        assertThat(report.passed()).as(report.summary()).isPositive();
    }

    @Test
    void passiveClientRandomIsARecognisedType() {
        assertThat(VectorRunner.mls().suiteFor(Path.of("passive-client-random.json")))
                .get().isInstanceOf(PassiveClientVectors.class);
    }
}
