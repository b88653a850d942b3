package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.group.ProcessedMessage.CommitApplied;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.mls.group.GroupTest.SUITE;
import static org.parley.mls.group.GroupTest.credential;

/**
 * An application's own group context extension (RFC 9420 Sections 7.2, 11.1, 12.1.7): leaves that
 * declare its type may carry and change it; a leaf that does not is refused, so that every member
 * can always apply the next GroupContextExtensions proposal.
 */
class ApplicationExtensionTest {
    private static final int APP_TYPE = 0xF0A0;
    private final SecureRandom random = new SecureRandom(new byte[] {11});
    private final GroupConfig config = GroupConfig.defaults(random);
    private final Capabilities declaring = KeyPackageBundle.capabilities(SUITE, List.of(APP_TYPE));

    private static Extension settings(String value) {
        return new Extension(APP_TYPE, value.getBytes(StandardCharsets.UTF_8));
    }

    private Group create(Capabilities capabilities, List<Extension> extensions) {
        SignatureKeyPair keys = SUITE.generateSignatureKeyPair(random);
        return Group.create(config, SUITE, "app extension".getBytes(StandardCharsets.UTF_8), credential("alice"), keys,
                capabilities, extensions);
    }

    private KeyPackageBundle keyPackage(String name, Capabilities capabilities) {
        return KeyPackageBundle.create(SUITE, credential(name), SUITE.generateSignatureKeyPair(random), null, capabilities, random);
    }

    @Test
    void membersDeclaringTheTypeCarryAndChangeTheExtension() {
        List<Extension> initial = List.of(new RequiredCapabilities(List.of(APP_TYPE), List.of(), List.of()).toExtension(),
                settings("one"));
        Group alice = create(declaring, initial);
        KeyPackageBundle bobPackage = keyPackage("bob", declaring);
        assertThat(bobPackage.keyPackage().leafNode().capabilities().extensions()).containsExactly(APP_TYPE);
        CommitResult add = alice.addMembers(List.of(bobPackage.publicBytes()));
        alice.mergePendingCommit(add.pending());
        Group bob = Group.joinFromWelcome(config, add.welcome().orElseThrow().toByteArray(), bobPackage, null);
        assertThat(bob.groupContextExtensions()).isEqualTo(initial);

        List<Extension> changed = List.of(initial.get(0), settings("two"));
        CommitResult change = bob.updateGroupContextExtensions(changed);
        assertThat(alice.process(change.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
        bob.mergePendingCommit(change.pending());
        assertThat(alice.groupContextExtensions()).isEqualTo(changed);
        assertThat(bob.groupContextExtensions()).isEqualTo(changed);
    }

    @Test
    void aLeafThatDoesNotDeclareTheTypeIsRefused() {
        Group alice = create(declaring, List.of(new RequiredCapabilities(List.of(APP_TYPE), List.of(), List.of()).toExtension(),
                settings("one")));
        KeyPackageBundle plain = KeyPackageBundle.create(SUITE, credential("old"), SUITE.generateSignatureKeyPair(random), null, random);
        assertThatThrownBy(() -> alice.addMembers(List.of(plain.publicBytes())))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("required capabilities");

        Group creatorWithDefaults = Group.create(config, SUITE, "defaults".getBytes(StandardCharsets.UTF_8), credential("carol"),
                SUITE.generateSignatureKeyPair(random), List.of());
        assertThatThrownBy(() -> creatorWithDefaults.updateGroupContextExtensions(List.of(settings("x"))))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("does not support group extension");
    }
}
