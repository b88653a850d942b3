package org.parley.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** No two packages depend on each other, in any module: each package can be read and changed from the bottom up. */
class PackageCyclesTest {
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("org.parley.(**)")
            .should().beFreeOfCycles();

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        NO_PACKAGE_CYCLES.check(ParleyCode.shipped());
    }
}
