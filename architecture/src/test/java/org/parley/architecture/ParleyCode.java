package org.parley.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The shipped classes of every module, imported once, and the names the rules use for its parts. */
final class ParleyCode {
    /** The MLS library: everything under {@code org.parley.mls} except its test kit. */
    static final DescribedPredicate<JavaClass> MLS_LIBRARY = resideInAPackage("org.parley.mls..")
            .and(DescribedPredicate.not(resideInAPackage("org.parley.mls.testkit..")))
            .as("the MLS library");
    static final DescribedPredicate<JavaClass> MLS_TESTKIT = resideInAPackage("org.parley.mls.testkit..")
            .as("the MLS test kit");

    private static JavaClasses shipped;

    private ParleyCode() {
    }

    /** Main classes only: test fixtures (including the deliberate wrong-way ones) are left out. */
    static synchronized JavaClasses shipped() {
        if (shipped == null) {
            shipped = new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("org.parley");
        }
        return shipped;
    }

    static DescribedPredicate<JavaClass> inAnyOf(String... packages) {
        return resideInAnyPackage(packages);
    }
}
