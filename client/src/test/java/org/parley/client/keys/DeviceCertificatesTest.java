package org.parley.client.keys;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.account.AccountKey;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.account.TestAccounts;
import org.parley.client.safety.Contacts;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.Forgeries;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.group.CommitView;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.GroupView;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.Member;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The device-certificate policy against real MLS groups and key packages: certified members pass
 * and their account keys are pinned; a forged, missing or misplaced certificate, a foreign key on
 * one of this account's leaves, or two account keys for one account are refused, and nothing is
 * pinned by a refused check.
 */
class DeviceCertificatesTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path temp;
    private ProfileStore aliceStore;
    private DeviceIdentity alice;
    private Contacts contacts;
    private DeviceCertificates policy;
    private Group group;

    @BeforeEach
    void aliceCreatesAGroupWithBob() {
        aliceStore = ProfileStore.open(temp.resolve("alice"), null, true, RANDOM);
        alice = TestAccounts.newAccount("alice", RANDOM);
        contacts = new Contacts(aliceStore);
        policy = new DeviceCertificates(alice, contacts);
        KeyPackages aliceKeys = keyPackages(alice);
        group = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, new byte[] {1, 2, 3},
                aliceKeys.credential().toCredential(), aliceKeys.signatureKeys(), List.of());
    }

    @AfterEach
    void close() {
        aliceStore.close();
    }

    private KeyPackages keyPackages(DeviceIdentity identity) {
        return new KeyPackages(ProfileStore.open(temp.resolve(identity.deviceIdHex()), null, true, RANDOM), identity, RANDOM,
                Clock.systemUTC());
    }

    /** A key package of a device of {@code identity}'s account, as its own client makes it. */
    private KeyPackageBundle packageOf(DeviceIdentity identity) {
        return keyPackages(identity).create(false);
    }

    private static KeyPackageBundle forged(String username, Bytes accountId, Bytes accountKey, UnaryOperator<byte[]> certificate) {
        return Forgeries.keyPackage(username, accountId, accountKey, certificate);
    }

    private void add(KeyPackageBundle... bundles) {
        List<byte[]> messages = new ArrayList<>();
        for (KeyPackageBundle bundle : bundles) {
            messages.add(bundle.publicBytes());
        }
        group.mergePendingCommit(group.addMembers(messages).pending());
    }

    private GroupView view() {
        return new GroupView(Bytes.copyOf(group.groupId()), group.epoch(), group.members(), List.of(), null);
    }

    private CommitView adding(KeyPackageBundle joiner) {
        Member added = new Member(group.members().size(), joiner.keyPackage().leafNode().credential(),
                joiner.keyPackage().leafNode().signatureKey());
        List<Member> after = new ArrayList<>(group.members());
        after.add(added);
        return new CommitView(Bytes.copyOf(group.groupId()), group.epoch(), group.member(group.ownLeafIndex()), group.members(),
                after, List.of(added), List.of(), List.of(), List.of(), List.of());
    }

    @Test
    void certifiedMembersPassAndTheirAccountKeysArePinned() {
        DeviceIdentity bob = TestAccounts.newAccount("bob", RANDOM);
        add(packageOf(bob), packageOf(TestAccounts.anotherDevice(bob, RANDOM)), packageOf(TestAccounts.anotherDevice(alice, RANDOM)));
        policy.checkGroup(view());
        assertThat(contacts.pinnedKey("bob")).isEqualTo(Bytes.copyOf(bob.accountKey()));
        assertThat(contacts.get("alice")).as("this account is never pinned as a contact").isNull();
        assertThat(policy.takeKeyChanges()).isEmpty();

        policy.checkCommit(adding(packageOf(TestAccounts.anotherDevice(bob, RANDOM))));
        assertThat(policy.takeKeyChanges()).as("a new device of the same account is no change").isEmpty();
    }

    @Test
    void aForgedOrMissingCertificateIsRefusedOnJoiningAndInACommit() {
        DeviceIdentity carol = TestAccounts.newAccount("carol", RANDOM);
        Bytes carolId = Bytes.copyOf(carol.accountId());
        Bytes carolKey = Bytes.copyOf(carol.accountKey());
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(RANDOM);
        // carol's real account key in the credential, but the certificate signed by a key the operator holds.
        KeyPackageBundle forgedCertificate = forged("carol", carolId, carolKey,
                deviceKey -> AccountKey.certify(operatorKey, carol.accountId(), deviceKey));
        KeyPackageBundle noCertificate = forged("carol", carolId, carolKey, deviceKey -> new byte[64]);
        // A genuine certificate of another of carol's devices, copied onto the operator's own device key.
        KeyPackageBundle copiedCertificate = forged("carol", carolId, carolKey, deviceKey -> carol.deviceCertificate());

        for (KeyPackageBundle ghost : List.of(forgedCertificate, noCertificate, copiedCertificate)) {
            assertThatThrownBy(() -> policy.checkCommit(adding(ghost))).isInstanceOf(MlsProtocolException.class)
                    .hasMessage("a device of carol that carol's account key did not sign");
        }
        add(forgedCertificate);
        assertThatThrownBy(() -> policy.checkGroup(view())).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("a device of carol that carol's account key did not sign");
        assertThat(contacts.get("carol")).as("nothing pinned by a refused check").isNull();
    }

    @Test
    void anUpdatedLeafMustBeCertifiedToo() {
        DeviceIdentity bob = TestAccounts.newAccount("bob", RANDOM);
        KeyPackageBundle bobPackage = packageOf(bob);
        add(bobPackage);
        KeyPackageBundle replacement = forged("bob", Bytes.copyOf(bob.accountId()), Bytes.copyOf(bob.accountKey()),
                deviceKey -> bob.deviceCertificate());
        Member bobLeaf = group.members().get(1);
        Member updated = new Member(bobLeaf.leafIndex(), replacement.keyPackage().leafNode().credential(),
                replacement.keyPackage().leafNode().signatureKey());
        CommitView update = new CommitView(Bytes.copyOf(group.groupId()), group.epoch(), bobLeaf, group.members(),
                List.of(group.members().get(0), updated), List.of(), List.of(), List.of(updated), List.of(), List.of());
        assertThatThrownBy(() -> policy.checkCommit(update)).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("a device of bob that bob's account key did not sign");
    }

    @Test
    void thisAccountsLeavesCarryExactlyThisAccountsKey() {
        // The operator makes an account key of its own and certifies a device under alice's name and account id.
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(RANDOM);
        KeyPackageBundle ghost = forged("alice", Bytes.copyOf(alice.accountId()),
                Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, alice.accountId(), deviceKey));
        assertThatThrownBy(() -> policy.checkCommit(adding(ghost))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("claims to be yours");
        // Nor under alice's name with another account id.
        byte[] otherId = new byte[16];
        RANDOM.nextBytes(otherId);
        KeyPackageBundle namesake = forged("alice", Bytes.copyOf(otherId), Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, otherId, deviceKey));
        assertThatThrownBy(() -> policy.checkCommit(adding(namesake))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("claims to be yours");
    }

    @Test
    void oneAccountCannotHaveTwoAccountKeysInAGroup() {
        DeviceIdentity bob = TestAccounts.newAccount("bob", RANDOM);
        add(packageOf(bob));
        // A self-consistent device under bob's account id, certified by a key that is not bob's.
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(RANDOM);
        KeyPackageBundle second = forged("bob", Bytes.copyOf(bob.accountId()), Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, bob.accountId(), deviceKey));
        assertThatThrownBy(() -> policy.checkCommit(adding(second))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("different account keys");
        // Nor one username under two accounts.
        DeviceIdentity otherBob = TestAccounts.newAccount("bob", RANDOM);
        assertThatThrownBy(() -> policy.checkCommit(adding(packageOf(otherBob)))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("different account keys");
    }

    @Test
    void aNewAccountKeyUnderAKnownNameIsAChangeReportedOnce() {
        DeviceIdentity carol = TestAccounts.newAccount("carol", RANDOM);
        add(packageOf(carol));
        policy.checkGroup(view());
        contacts.markVerified("carol");

        // Another group: "carol" arrives with her account's key swapped by the operator.
        group = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, new byte[] {4}, keyPackages(alice).credential()
                .toCredential(), keyPackages(alice).signatureKeys(), List.of());
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(RANDOM);
        policy.checkCommit(adding(forged("carol", Bytes.copyOf(carol.accountId()), Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, carol.accountId(), deviceKey))));
        assertThat(policy.takeKeyChanges()).containsExactly("carol");
        assertThat(policy.takeKeyChanges()).isEmpty();
        assertThat(contacts.get("carol").getChanged()).isTrue();
        assertThat(contacts.get("carol").getVerified()).isFalse();
        assertThat(contacts.needingAcceptance()).containsExactly("carol");
    }

    @Test
    void anotherAccountCallingItselfByAVerifiedNameIsAnImpersonationThatLeavesThePinAlone() {
        DeviceIdentity carol = TestAccounts.newAccount("carol", RANDOM);
        add(packageOf(carol));
        policy.checkGroup(view());
        contacts.markVerified("carol");

        group = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, new byte[] {4}, keyPackages(alice).credential()
                .toCredential(), keyPackages(alice).signatureKeys(), List.of());
        DeviceIdentity impostor = TestAccounts.newAccount("carol", RANDOM);
        policy.checkCommit(adding(packageOf(impostor)));
        assertThat(policy.takeImpersonations()).containsExactly("carol");
        assertThat(policy.takeImpersonations()).isEmpty();
        assertThat(policy.takeKeyChanges()).isEmpty();
        assertThat(contacts.pinnedKey("carol")).isEqualTo(Bytes.copyOf(carol.accountKey()));
        assertThat(contacts.confirmedAccount("carol")).isEqualTo(Bytes.copyOf(carol.accountId()));
        assertThat(contacts.get("carol").getVerified()).isTrue();
        assertThat(contacts.needingAcceptance()).isEmpty();
    }

    @Test
    void theGroupRefusesToAddAGhostOrToJoinAGroupThatHoldsOne() {
        DeviceIdentity carol = TestAccounts.newAccount("carol", RANDOM);
        KeyPackageBundle ghost = forged("carol", Bytes.copyOf(carol.accountId()), Bytes.copyOf(carol.accountKey()),
                deviceKey -> new byte[64]);
        KeyPackages aliceKeys = keyPackages(alice);
        Group guarded = Group.create(GroupConfig.defaults(RANDOM).withPolicy(policy), KeyPackages.SUITE, new byte[] {9},
                aliceKeys.credential().toCredential(), aliceKeys.signatureKeys(), List.of());
        assertThatThrownBy(() -> guarded.addMembers(List.of(ghost.publicBytes()))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("a device of carol that carol's account key did not sign");
        assertThat(guarded.epoch()).as("nothing was committed").isZero();

        // A group made by a client without the check, holding the ghost, cannot be joined by one with it.
        DeviceIdentity bob = TestAccounts.newAccount("bob", RANDOM);
        KeyPackages bobKeys = keyPackages(bob);
        KeyPackageBundle bobPackage = bobKeys.create(false);
        Group careless = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, new byte[] {8},
                aliceKeys.credential().toCredential(), aliceKeys.signatureKeys(), List.of());
        byte[] welcome = careless.addMembers(List.of(bobPackage.publicBytes(), ghost.publicBytes())).welcome().orElseThrow()
                .toByteArray();
        try (ProfileStore bobStore = ProfileStore.open(temp.resolve("bob-contacts"), null, true, RANDOM)) {
            GroupConfig bobConfig = GroupConfig.defaults(RANDOM).withPolicy(new DeviceCertificates(bob, new Contacts(bobStore)));
            assertThatThrownBy(() -> Group.joinFromWelcome(bobConfig, welcome, bobPackage, null))
                    .isInstanceOf(MlsProtocolException.class).hasMessageContaining("carol's account key did not sign");
        }
    }
}
