package org.parley.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;
import org.parley.mls.wrongway.DecodesServerFrames;

/**
 * The module arrows of ARCHITECTURE.md, one way only: {@code mls} → {@code media} →
 * {@code protocol} → {@code server} / {@code client} → {@code cli}, {@code bench} on top; the
 * server never sees MLS or media code (it cannot decrypt), the client never the server's.
 */
class ModuleLayeringTest {
    static final ArchRule MODULE_ARROWS = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("mls").definedBy(ParleyCode.MLS_LIBRARY)
            .layer("media").definedBy(resideInAPackage("org.parley.media.."))
            .layer("mls-testkit").definedBy(ParleyCode.MLS_TESTKIT)
            .layer("protocol").definedBy(resideInAPackage("org.parley.protocol.."))
            .layer("server").definedBy(resideInAPackage("org.parley.server.."))
            .layer("client").definedBy(resideInAPackage("org.parley.client.."))
            .layer("cli").definedBy(resideInAPackage("org.parley.cli.."))
            .layer("bench").definedBy(resideInAPackage("org.parley.bench.."))
            .whereLayer("mls").mayNotAccessAnyLayer()
            .whereLayer("media").mayOnlyAccessLayers("mls")
            .whereLayer("mls-testkit").mayOnlyAccessLayers("mls", "media")
            .whereLayer("protocol").mayNotAccessAnyLayer()
            .whereLayer("server").mayOnlyAccessLayers("protocol")
            .whereLayer("client").mayOnlyAccessLayers("mls", "media", "protocol")
            .whereLayer("cli").mayOnlyAccessLayers("mls", "media", "mls-testkit", "protocol", "server", "client")
            .whereLayer("bench").mayOnlyAccessLayers("mls", "media", "mls-testkit", "protocol", "server", "client", "cli")
            .because("ARCHITECTURE.md: the arrows point one way; the server knows nothing of keys");

    /** The rules below would pass vacuously on an empty import: every module's classes are there. */
    @Test
    void theRulesSeeEveryModule() {
        assertThat(ParleyCode.shipped().stream().map(javaClass -> javaClass.getPackageName().split("\\.")[2]).distinct())
                .contains("mls", "media", "protocol", "server", "client", "cli", "bench");
        assertThat(ParleyCode.shipped().stream().filter(ParleyCode.MLS_TESTKIT::test)).isNotEmpty();
    }

    @Test
    void modulesDependOnlyDownwards() {
        MODULE_ARROWS.check(ParleyCode.shipped());
    }

    /** The rule is not vacuous: one wrong-way import (MLS reading the wire protocol) fails it. */
    @Test
    void aWrongWayImportFailsTheRule() {
        JavaClasses withWrongWay = new ClassFileImporter().importClasses(
                DecodesServerFrames.class, org.parley.protocol.v1.ServerFrame.class);

        EvaluationResult result = MODULE_ARROWS.evaluate(withWrongWay);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains(DecodesServerFrames.class.getName())
                        && line.contains("org.parley.protocol.v1.ServerFrame"));
    }
}
