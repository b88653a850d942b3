package org.parley.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The server by capability (ARCHITECTURE.md): infrastructure at the bottom, capabilities that
 * own their stores above it, the transport and request handling above them, and one composition
 * root ({@code org.parley.server}) on top that wires it all and that no server package uses.
 */
class ServerLayeringTest {
    private static final String[] INFRASTRUCTURE = {
        "org.parley.server.storage..", "org.parley.server.metrics..", "org.parley.server.ratelimit..",
        "org.parley.server.signatures.."};
    private static final String[] CAPABILITIES = {
        "org.parley.server.accounts..", "org.parley.server.admin..", "org.parley.server.keys..",
        "org.parley.server.mailbox..", "org.parley.server.groups..", "org.parley.server.attachments..",
        "org.parley.server.calls..", "org.parley.server.tokens.."};
    private static final String[] CONNECTION_HANDLING = {
        "org.parley.server.transport..", "org.parley.server.session..", "org.parley.server.http..",
        "org.parley.server.requests..", "org.parley.server.bus..", "org.parley.server.delivery..", "org.parley.server.web..",
        "org.parley.server.webtransport.."};
    private static final String SERVER_SUBPACKAGES = "org.parley.server.(*)..";

    static final ArchRule INFRASTRUCTURE_KNOWS_NO_CAPABILITY = noClasses()
            .that().resideInAnyPackage(INFRASTRUCTURE)
            .should().dependOnClassesThat(resideInAnyPackage(CAPABILITIES))
            .orShould().dependOnClassesThat(resideInAnyPackage(CONNECTION_HANDLING))
            .because("storage, metrics, rate limits and signature checks serve every capability and know none");

    static final ArchRule CAPABILITIES_KNOW_NO_CONNECTION = noClasses()
            .that().resideInAnyPackage(CAPABILITIES)
            .should().dependOnClassesThat(resideInAnyPackage(CONNECTION_HANDLING))
            .because("a capability (accounts, keys, mailbox, …) owns its logic and its store; "
                    + "how a request arrives is the transport's business");

    static final ArchRule ONLY_THE_ROOT_WIRES = noClasses()
            .that().resideInAPackage(SERVER_SUBPACKAGES)
            .should().dependOnClassesThat(resideInAPackage("org.parley.server"))
            .because("org.parley.server composes the stores and the pipeline; nothing below it reaches up");

    @Test
    void infrastructureKnowsNoCapability() {
        INFRASTRUCTURE_KNOWS_NO_CAPABILITY.check(ParleyCode.shipped());
    }

    @Test
    void capabilitiesKnowNoConnection() {
        CAPABILITIES_KNOW_NO_CONNECTION.check(ParleyCode.shipped());
    }

    @Test
    void onlyTheCompositionRootWiresTheServer() {
        ONLY_THE_ROOT_WIRES.check(ParleyCode.shipped());
    }
}
