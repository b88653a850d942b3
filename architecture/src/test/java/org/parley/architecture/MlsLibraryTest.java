package org.parley.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What ARCHITECTURE.md asks of the {@code mls} library: JDK crypto and BouncyCastle only, no I/O,
 * no threads of its own, no clock; and what its users may touch: the {@code Group} API and the
 * key and credential types, never the wire structs, the key schedule or the tree internals.
 */
class MlsLibraryTest {
    static final ArchRule ONLY_JDK_AND_BOUNCYCASTLE = classes().that(ParleyCode.MLS_LIBRARY)
            .should().onlyDependOnClassesThat(resideInAnyPackage(
                    "java.lang..", "java.util..", "java.math..", "java.security..", "java.nio",
                    "java.nio.charset..", "java.io..", "java.time..", "javax.crypto..",
                    "org.bouncycastle..", "org.parley.mls..", ""))
            .because("the MLS library depends on JDK crypto and BouncyCastle only");

    static final ArchRule NO_IO_THREADS_OR_CLOCK = noClasses().that(ParleyCode.MLS_LIBRARY)
            .should().dependOnClassesThat(resideInAnyPackage(
                    "java.nio.file..", "java.net..", "java.lang.management..", "java.lang.reflect.."))
            .orShould().dependOnClassesThat(namedAnyOf(
                    "java.io.File", "java.io.FileInputStream", "java.io.FileOutputStream",
                    "java.io.RandomAccessFile", "java.lang.Thread", "java.util.concurrent.Executors",
                    "java.util.concurrent.ForkJoinPool", "java.time.Clock", "java.util.Timer"))
            .orShould().callMethodWhere(readsTheClock())
            .because("the MLS library does no I/O, starts no thread and reads no clock: "
                    + "the application lends threads (Parallelism) and says what time it is");

    private static final Set<String> MLS_API_PACKAGES = Set.of(
            "org.parley.mls", "org.parley.mls.group", "org.parley.mls.credentials",
            "org.parley.mls.crypto", "org.parley.mls.keypackages", "org.parley.mls.extensions");
    /**
     * Types outside the API packages that appear in the API's signatures: the library's exception
     * and byte string, a KeyPackage's leaf node (its credential and signature key are what the
     * application checks, RFC 9420 §5.3.1), its lifetime, and the executor the application lends.
     */
    private static final Set<String> MLS_API_TYPES = Set.of(
            "org.parley.mls.codec.MlsProtocolException", "org.parley.mls.codec.Bytes",
            "org.parley.mls.tree.LeafNode", "org.parley.mls.tree.Lifetime", "org.parley.mls.tree.Parallelism");

    static final ArchRule APPLICATIONS_USE_THE_MLS_API = noClasses()
            .that(resideInAnyPackage("org.parley.media..", "org.parley.client..", "org.parley.cli.."))
            .should().dependOnClassesThat(mlsInternals())
            .because("applications use the Group API; wire structs, the key schedule and the tree "
                    + "are the library's own (ARCHITECTURE.md, Tink: an API that makes wrong use hard)");

    @Test
    void dependsOnlyOnTheJdkAndBouncyCastle() {
        ONLY_JDK_AND_BOUNCYCASTLE.check(ParleyCode.shipped());
    }

    @Test
    void doesNoIoStartsNoThreadReadsNoClock() {
        NO_IO_THREADS_OR_CLOCK.check(ParleyCode.shipped());
    }

    @Test
    void applicationsUseOnlyTheMlsApi() {
        APPLICATIONS_USE_THE_MLS_API.check(ParleyCode.shipped());
    }

    private static DescribedPredicate<JavaClass> namedAnyOf(String... names) {
        Set<String> set = Set.of(names);
        return DescribedPredicate.describe("are one of " + set, javaClass -> set.contains(javaClass.getName()));
    }

    private static DescribedPredicate<JavaMethodCall> readsTheClock() {
        return DescribedPredicate.describe("read the wall clock or the time", call -> {
            String owner = call.getTargetOwner().getName();
            String name = call.getName();
            return owner.equals("java.lang.System") && (name.equals("currentTimeMillis") || name.equals("nanoTime"))
                    || owner.startsWith("java.time.") && name.equals("now");
        });
    }

    private static DescribedPredicate<JavaClass> mlsInternals() {
        return DescribedPredicate.describe("are MLS internals (not the Group API)", javaClass ->
                ParleyCode.MLS_LIBRARY.test(javaClass)
                        && !MLS_API_PACKAGES.contains(javaClass.getPackageName())
                        && !MLS_API_TYPES.contains(javaClass.getName()));
    }
}
