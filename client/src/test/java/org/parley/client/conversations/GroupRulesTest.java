package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.client.content.v1.GroupSettings;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.CommitView;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.GroupView;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.Member;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The group rules against hostile groups and commits: settings that are missing, undecodable or
 * malformed, false 1:1s, and changes by members who are not admins. Views are built by hand (every
 * field as the MLS layer fills it) or taken from real MLS groups.
 */
class GroupRulesTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Bytes GROUP_ID = Bytes.fromHex("00000000000000000000000000000000");

    private final Bytes carol = account();
    private final Bytes dave = account();
    private final Bytes zed = account();
    private final GroupRules carolsRules = new GroupRules(carol);

    private static Bytes account() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return Bytes.copyOf(id);
    }

    /**
     * A member credential with a random device id. Its account key and certificate are random too:
     * these rules judge accounts and names; certificates are the DeviceCertificates policy's part.
     */
    private static MemberCredential credential(String username, Bytes account) {
        return new MemberCredential(username, account, randomBytes(16), randomBytes(32), randomBytes(64));
    }

    private static Bytes randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return Bytes.copyOf(bytes);
    }

    private static Member member(int leaf, String username, Bytes account) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new Member(leaf, credential(username, account).toCredential(), new SignaturePublicKey(key));
    }

    private static List<Extension> extensions(GroupSettings settings) {
        return List.of(new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, settings.toByteArray()));
    }

    private static GroupSettings group(String name, Bytes... admins) {
        GroupSettings.Builder settings = GroupSettings.newBuilder().setName(name);
        for (Bytes admin : admins) {
            settings.addAdmins(ByteString.copyFrom(admin.toByteArray()));
        }
        return settings.build();
    }

    private static GroupSettings direct(Bytes... accounts) {
        GroupSettings.Builder settings = GroupSettings.newBuilder().setDirect(true);
        for (Bytes account : accounts) {
            settings.addDirectAccounts(ByteString.copyFrom(account.toByteArray()));
        }
        return settings.build();
    }

    private static GroupView view(List<Extension> extensions, Member signer, Member... members) {
        return new GroupView(GROUP_ID, 1, List.of(members), extensions, signer);
    }

    // ------------------------------------------------------------------ joining

    @Test
    void aGroupWithoutSettingsOrWithUndecodableOnesIsRefused() {
        Member zedDevice = member(0, "zed", zed);
        Member carolDevice = member(1, "carol", carol);
        assertThatThrownBy(() -> carolsRules.checkGroup(view(List.of(), zedDevice, zedDevice, carolDevice)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("zed's group was refused")
                .hasMessageContaining("no Parley settings");
        List<Extension> garbage = List.of(new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, new byte[] {(byte) 0xff, 0x01, 0x02}));
        assertThatThrownBy(() -> carolsRules.checkGroup(view(garbage, zedDevice, zedDevice, carolDevice)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("cannot be read");
        List<Extension> truncated = List.of(new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION,
                Arrays.copyOf(group("team", zed).toByteArray(), 3)));
        assertThatThrownBy(() -> carolsRules.checkGroup(view(truncated, zedDevice, zedDevice, carolDevice)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("cannot be read");
    }

    @Test
    void malformedSettingsAreRefused() {
        Member zedDevice = member(0, "zed", zed);
        Member carolDevice = member(1, "carol", carol);
        List<GroupSettings> malformed = List.of(
                direct(carol, dave, zed),                                      // three 1:1 accounts
                direct(carol),                                                 // one
                direct(carol, carol),                                          // the same one twice
                direct(carol, Bytes.fromHex("0102")),                          // not an account id
                direct(carol, zed).toBuilder().setName("secret").build(),      // a 1:1 with a name
                direct(carol, zed).toBuilder().addAdmins(ByteString.copyFrom(zed.toByteArray())).build(),
                group("team"),                                                 // no admins
                group("", zed),                                                // no name
                group("x".repeat(ConversationStore.MAX_NAME_CHARS + 1), zed),  // too long a name
                group("team", zed, zed),                                       // an admin twice
                group("team", zed).toBuilder().addDirectAccounts(ByteString.copyFrom(carol.toByteArray())).build());
        for (GroupSettings settings : malformed) {
            assertThatThrownBy(() -> carolsRules.checkGroup(view(extensions(settings), zedDevice, zedDevice, carolDevice)))
                    .as(settings.toString()).isInstanceOf(MlsProtocolException.class).hasMessageStartingWith("zed's group was refused");
        }
        assertThatCode(() -> carolsRules.checkGroup(view(extensions(group("team", zed)), zedDevice, zedDevice, carolDevice)))
                .doesNotThrowAnyException();
    }

    @Test
    void aGroupClaimingToBeA1to1WithAThirdPersonInItIsRefused() {
        Member zedDevice = member(0, "zed", zed);
        Member carolDevice = member(1, "carol", carol);
        Member daveDevice = member(2, "dave", dave);
        assertThatThrownBy(() -> carolsRules.checkGroup(view(extensions(direct(carol, dave)), zedDevice, zedDevice, carolDevice, daveDevice)))
                .isInstanceOf(MlsProtocolException.class)
                .hasMessage("zed's group claims to be a 1:1 between carol and dave, but zed is in it too; it was refused");
        // zed's own device under dave's name changes nothing: the account decides, and two "dave"s are refused anyway.
        Member zedAsDave = member(0, "dave", zed);
        assertThatThrownBy(() -> carolsRules.checkGroup(view(extensions(direct(carol, dave)), zedAsDave, zedAsDave, carolDevice, daveDevice)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("two members call themselves dave");
        assertThatThrownBy(() -> carolsRules.checkGroup(view(extensions(direct(carol, dave)), zedAsDave, zedAsDave, carolDevice)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("is in it too");
        assertThatThrownBy(() -> new GroupRules(account()).checkGroup(view(extensions(direct(carol, dave)), daveDevice, carolDevice, daveDevice)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("which is not yours");
        assertThatCode(() -> carolsRules.checkGroup(view(extensions(direct(carol, dave)), daveDevice, carolDevice, daveDevice,
                member(3, "dave", dave)))).doesNotThrowAnyException();
    }

    @Test
    void aRealWelcomeIntoAFalse1to1IsRefused() {
        GroupConfig config = GroupConfig.defaults(RANDOM);
        SignatureKeyPair zedKeys = KeyPackages.SUITE.generateSignatureKeyPair(RANDOM);
        Group zedGroup = Group.create(config, KeyPackages.SUITE, new byte[16], credential("zed", zed).toCredential(), zedKeys,
                KeyPackages.CAPABILITIES, extensionsWithRequirement(direct(carol, dave)));
        KeyPackageBundle carolPackage = keyPackage("carol", carol);
        CommitResult add = zedGroup.addMembers(List.of(carolPackage.publicBytes(), keyPackage("dave", dave).publicBytes()));
        zedGroup.mergePendingCommit(add.pending());
        Group carolGroup = Group.joinFromWelcome(config, add.welcome().orElseThrow().toByteArray(), carolPackage, null);
        GroupView carolsView = new GroupView(Bytes.copyOf(carolGroup.groupId()), carolGroup.epoch(), carolGroup.members(),
                carolGroup.groupContextExtensions(), zedGroup.members().get(0));
        assertThatThrownBy(() -> carolsRules.checkGroup(carolsView)).isInstanceOf(MlsProtocolException.class)
                .hasMessage("zed's group claims to be a 1:1 between carol and dave, but zed is in it too; it was refused");
    }

    private static List<Extension> extensionsWithRequirement(GroupSettings settings) {
        return List.of(new RequiredCapabilities(List.of(KeyPackages.GROUP_SETTINGS_EXTENSION), List.of(), List.of()).toExtension(),
                extensions(settings).get(0));
    }

    private static KeyPackageBundle keyPackage(String username, Bytes account) {
        return KeyPackageBundle.create(KeyPackages.SUITE, credential(username, account).toCredential(),
                KeyPackages.SUITE.generateSignatureKeyPair(RANDOM), null, KeyPackages.CAPABILITIES, RANDOM);
    }

    // ------------------------------------------------------------------ commits

    /** A commit to a group {alice (admin), bob, carol} by {@code committer}. */
    private final Bytes alice = account();
    private final Bytes bob = account();
    private final Member aliceDevice = member(0, "alice", alice);
    private final Member bobDevice = member(1, "bob", bob);
    private final Member carolInTeam = member(2, "carol", carol);
    private final List<Extension> team = extensions(group("team", alice));

    private CommitView commit(Member committer, List<Member> added, List<CommitView.Removal> removed, List<Member> updated,
                              List<Extension> before, List<Extension> after) {
        List<Member> membersBefore = List.of(aliceDevice, bobDevice, carolInTeam);
        List<Member> membersAfter = new ArrayList<>(membersBefore);
        membersAfter.removeIf(m -> removed.stream().anyMatch(r -> r.member().leafIndex() == m.leafIndex()));
        membersAfter.addAll(added);
        return new CommitView(GROUP_ID, 4, committer, membersBefore, membersAfter, added, removed, updated, before, after);
    }

    private CommitView commit(Member committer, List<Member> added, List<CommitView.Removal> removed) {
        return commit(committer, added, removed, List.of(), team, team);
    }

    @Test
    void aNonAdminRemovingTheAdminOrAnotherMemberIsRefused() {
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(new CommitView.Removal(aliceDevice, bobDevice)))))
                .isInstanceOf(MlsProtocolException.class).hasMessage("bob tried to remove alice from 'team' without being an admin of it");
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(new CommitView.Removal(carolInTeam, bobDevice)))))
                .isInstanceOf(MlsProtocolException.class);
        // an external sender's proposal is no better, whoever commits it
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(new CommitView.Removal(aliceDevice, null)))))
                .isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(), List.of(new CommitView.Removal(bobDevice, null)))))
                .isInstanceOf(MlsProtocolException.class).hasMessage("a removal of bob from 'team' came from outside it");
    }

    @Test
    void anAdminsCommitDoesNotCarryOutANonAdminsRemoveProposal() {
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(), List.of(new CommitView.Removal(carolInTeam, bobDevice)))))
                .isInstanceOf(MlsProtocolException.class).hasMessage("bob tried to remove carol from 'team' without being an admin of it");
        assertThatCode(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(new CommitView.Removal(carolInTeam, aliceDevice)))))
                .as("an admin's proposal, committed by anyone").doesNotThrowAnyException();
    }

    @Test
    void adminsRemoveAnyoneAndEveryoneMayLeaveOrDropTheirOwnDevices() {
        assertThatCode(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(), List.of(new CommitView.Removal(bobDevice, aliceDevice)))))
                .doesNotThrowAnyException();
        assertThatCode(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(new CommitView.Removal(aliceDevice, aliceDevice)))))
                .as("alice left; bob commits her proposal").doesNotThrowAnyException();
        Member bobsLaptop = member(3, "bob", bob);
        CommitView unlink = new CommitView(GROUP_ID, 4, bobDevice, List.of(aliceDevice, bobDevice, bobsLaptop), List.of(aliceDevice, bobDevice),
                List.of(), List.of(new CommitView.Removal(bobsLaptop, bobDevice)), List.of(), team, team);
        assertThatCode(() -> carolsRules.checkCommit(unlink)).doesNotThrowAnyException();
    }

    @Test
    void aNonAdminAddingAStrangerIsRefusedButItsOwnNewDeviceIsAccepted() {
        Member stranger = member(3, "zed", zed);
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(bobDevice, List.of(stranger), List.of())))
                .isInstanceOf(MlsProtocolException.class).hasMessage("bob tried to add zed to 'team' without being an admin of it");
        assertThatCode(() -> carolsRules.checkCommit(commit(bobDevice, List.of(member(3, "bob", bob)), List.of())))
                .doesNotThrowAnyException();
        assertThatCode(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(stranger), List.of()))).doesNotThrowAnyException();
    }

    @Test
    void onlyAdminsChangeSettingsAndAnAdminAlwaysRemains() {
        List<Extension> renamed = extensions(group("crew", alice));
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(), List.of(), team, renamed)))
                .isInstanceOf(MlsProtocolException.class).hasMessage("bob tried to change the settings of 'team' without being an admin of it");
        assertThatCode(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(), List.of(), List.of(), team, renamed)))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(), List.of(), List.of(), team,
                extensions(group("team"))))).isInstanceOf(MlsProtocolException.class).hasMessageContaining("at least one admin");
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(), List.of(), List.of(), team, List.of())))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("no Parley settings");
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(aliceDevice, List.of(), List.of(), List.of(), team,
                extensions(direct(alice, bob))))).isInstanceOf(MlsProtocolException.class).hasMessageContaining("into a 1:1");
    }

    @Test
    void a1to1NeverChangesItsSettingsNorTakesAThirdAccount() {
        List<Extension> oneToOne = extensions(direct(alice, bob));
        List<Member> before = List.of(aliceDevice, bobDevice);
        Member stranger = member(2, "zed", zed);
        CommitView addStranger = new CommitView(GROUP_ID, 2, aliceDevice, before, List.of(aliceDevice, bobDevice, stranger), List.of(stranger),
                List.of(), List.of(), oneToOne, oneToOne);
        assertThatThrownBy(() -> new GroupRules(alice).checkCommit(addStranger)).isInstanceOf(MlsProtocolException.class)
                .hasMessage("alice tried to add zed to your 1:1, where only its two people belong");
        Member bobsLaptop = member(2, "bob", bob);
        CommitView addLaptop = new CommitView(GROUP_ID, 2, aliceDevice, before, List.of(aliceDevice, bobDevice, bobsLaptop), List.of(bobsLaptop),
                List.of(), List.of(), oneToOne, oneToOne);
        assertThatCode(() -> new GroupRules(alice).checkCommit(addLaptop)).doesNotThrowAnyException();
        CommitView reshape = new CommitView(GROUP_ID, 2, aliceDevice, before, before, List.of(), List.of(), List.of(), oneToOne,
                extensions(direct(alice, zed)));
        assertThatThrownBy(() -> new GroupRules(alice).checkCommit(reshape)).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("a 1:1's settings never change");
        CommitView removeOther = new CommitView(GROUP_ID, 2, aliceDevice, before, List.of(aliceDevice), List.of(),
                List.of(new CommitView.Removal(bobDevice, aliceDevice)), List.of(), oneToOne, oneToOne);
        assertThatThrownBy(() -> new GroupRules(alice).checkCommit(removeOther)).isInstanceOf(MlsProtocolException.class);
    }

    @Test
    void aDeviceCannotPassForANamesakeInTheGroup() {
        Member zedAsCarol = member(3, "carol", zed);
        assertThatThrownBy(() -> new GroupRules(alice).checkCommit(commit(aliceDevice, List.of(zedAsCarol), List.of())))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("two members call themselves carol");
        Member bobsOtherName = member(3, "robert", bob);
        assertThatThrownBy(() -> new GroupRules(alice).checkCommit(commit(bobDevice, List.of(bobsOtherName), List.of())))
                .isInstanceOf(MlsProtocolException.class).hasMessage("a device of bob calls itself robert; one account uses two names");
        assertThatThrownBy(() -> carolsRules.checkGroup(view(team, aliceDevice, aliceDevice, bobDevice, carolInTeam, zedAsCarol)))
                .isInstanceOf(MlsProtocolException.class);
    }

    @Test
    void aDeviceCannotChangeItsAccountOrNameAndNobodyJoinsFromOutside() {
        Member bobBecomesZed = member(1, "bob", zed);
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(), List.of(bobBecomesZed), team, team)))
                .isInstanceOf(MlsProtocolException.class).hasMessage("a device of bob tried to move to another account");
        Member bobRenamed = member(1, "alice", bob);
        assertThatThrownBy(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(), List.of(bobRenamed), team, team)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("tried to become a device of alice");
        assertThatCode(() -> carolsRules.checkCommit(commit(bobDevice, List.of(), List.of(), List.of(member(1, "bob", bob)), team, team)))
                .doesNotThrowAnyException();
        Member outsider = member(3, "zed", zed);
        CommitView external = new CommitView(GROUP_ID, 4, null, List.of(aliceDevice), List.of(aliceDevice, outsider), List.of(outsider),
                List.of(), List.of(), team, team);
        assertThatThrownBy(() -> carolsRules.checkCommit(external)).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("from outside");
    }
}
