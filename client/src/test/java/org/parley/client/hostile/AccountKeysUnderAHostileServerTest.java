package org.parley.client.hostile;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.account.AccountKey;
import org.parley.client.account.Accounts;
import org.parley.client.account.LinkRefusedException;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.ConversationException;
import org.parley.client.conversations.Conversations;
import org.parley.client.safety.Contacts;
import org.parley.client.testkit.DeviceLinks;
import org.parley.client.testkit.Forgeries;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.codec.Bytes;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.keys.KeyPackageStore;

import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Attack 1 of issue 12 and its relatives, by an operator who edits its own server's stores: a
 * device inserted into an account, key packages swapped for ones under a fresh account key, and a
 * waiting device swapped during linking. In each case no device without the account's signature
 * gets in, and the person sees a specific warning.
 */
class AccountKeysUnderAHostileServerTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    private ParleyClient user(String username) {
        return listened(username, profiles.signedIn(username, server.address(), 5));
    }

    /** What the operator does: one more device row in the account, as a link would make it. */
    private DeviceId insertDevice(ParleyClient victim) {
        return server.store().accounts().addDevice(AccountId.of(victim.identity().accountId()),
                new Ed25519PrivateKeyParameters(RANDOM).generatePublicKey().getEncoded(),
                org.parley.protocol.MailboxSeal.generateKeyPair()[1]).id();
    }

    private static Bytes idOf(DeviceId device) {
        return Bytes.copyOf(device.bytes());
    }

    @Test
    void aDeviceTheOperatorInsertsIsNeverAddedAndIsReported() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");

        Bytes aliceAccount = Bytes.copyOf(alice.identity().accountId());
        Bytes aliceKey = Bytes.copyOf(alice.identity().accountKey());
        KeyPackageStore keyPackages = server.store().keyPackages();
        // Ghost 1 shows alice's real account key but cannot sign for it.
        DeviceId unsigned = insertDevice(alice);
        keyPackages.upload(unsigned, List.of(Forgeries.keyPackage("alice", aliceAccount, idOf(unsigned), aliceKey,
                deviceKey -> new byte[64]).publicBytes()));
        // Ghost 2 carries an account key of the operator's own, which certifies it.
        DeviceId selfSigned = insertDevice(alice);
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(RANDOM);
        keyPackages.upload(selfSigned, List.of(Forgeries.keyPackage("alice", aliceAccount, idOf(selfSigned),
                Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, alice.identity().accountId(), deviceKey)).publicBytes()));
        assertThat(Accounts.devices(alice.session(), alice.identity())).as("the server lists both ghosts").hasSize(3);

        events.get("alice").clear();
        assertThat(alice.syncOwnDevices()).as("nothing left to wait for: the ghosts are refused, not pending").isTrue();
        assertThat(events.get("alice")).filteredOn(e -> e instanceof ConversationEvent.UncertifiedDevice)
                .extracting(e -> ((ConversationEvent.UncertifiedDevice) e).deviceIdHex())
                .containsExactlyInAnyOrder(idOf(unsigned).toHex(), idOf(selfSigned).toHex());
        assertThat(events.get("alice")).noneMatch(e -> e instanceof ConversationEvent.MembersAdded);

        alice.conversations().sendText(groupId, "for bob only");
        eventually("bob reads alice", () -> texts("bob").contains("for bob only"));
        assertThat(server.store().mailbox().pending(unsigned, 0, 100)).as("no Welcome, no message").isEmpty();
        assertThat(server.store().mailbox().pending(selfSigned, 0, 100)).isEmpty();
        assertThat(bob.safetyNumber("alice").observation()).as("bob keeps the account key alice's messages showed")
                .isEqualTo(Contacts.Observation.UNCHANGED);
        assertThat(bob.contacts().pinnedKey("alice")).isEqualTo(aliceKey);
    }

    @Test
    void keyPackagesSwappedUnderAFreshAccountKeyAreAChangeThatBlocksAVerifiedContactUntilTrusted() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient carol = user("carol");
        ParleyClient.SafetyReport before = alice.safetyNumber("carol");
        assertThat(before.number()).isEqualTo(carol.safetyNumber("alice").number());
        alice.markVerified("carol");
        byte[] direct = alice.conversations().direct("carol").groupId().toByteArray();
        accept(carol, "alice");
        alice.conversations().sendText(direct, "before the swap");
        eventually("carol reads alice", () -> texts("carol").contains("before the swap"));

        swapKeyPackages(carol);

        assertThatThrownBy(() -> alice.conversations().createGroup("plans", List.of("carol")))
                .isInstanceOf(ConversationException.class).hasMessageContaining("carol's account key changed since you verified it");
        assertThat(events.get("alice")).contains(new ConversationEvent.KeysChanged("carol", "carol"));
        assertThat(alice.conversations().list()).extracting(Conversations.Summary::name).containsExactly("carol");
        assertThatThrownBy(() -> alice.conversations().sendText(direct, "during the swap"))
                .isInstanceOf(ConversationException.class).hasMessageContaining("parley trust carol");

        ParleyClient.SafetyReport swapped = alice.safetyNumber("carol");
        assertThat(swapped.contact().getVerified()).isFalse();
        assertThat(swapped.contact().getChanged()).isTrue();
        assertThat(swapped.contact().getNeedsAcceptance()).isTrue();
        assertThat(swapped.number()).as("computed from the key alice now holds for carol")
                .isNotEqualTo(before.number()).isNotEqualTo(carol.safetyNumber("alice").number());

        alice.trust("carol");
        alice.conversations().sendText(direct, "after trusting");
        eventually("the existing 1:1 still reaches the real carol", () -> texts("carol").contains("after trusting"));
        assertThat(texts("carol")).doesNotContain("during the swap");
    }

    /** The operator drains {@code victim}'s key packages and serves its own, under a fresh account key in the victim's name. */
    private void swapKeyPackages(ParleyClient victim) {
        KeyPackageStore keyPackages = server.store().keyPackages();
        DeviceId device = DeviceId.of(victim.identity().deviceId());
        while (keyPackages.count(device) > 0) {
            keyPackages.claim(AccountId.of(victim.identity().accountId()));
        }
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(RANDOM);
        keyPackages.setLastResort(device, Forgeries.keyPackage(victim.identity().username(), Bytes.copyOf(victim.identity().accountId()),
                Bytes.copyOf(victim.identity().deviceId()), Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, victim.identity().accountId(), deviceKey)).publicBytes());
    }

    @Test
    void aSwappedKeyThatSomeoneElseAddsIsAnnouncedInTheGroupAndBlocksAVerifiedContact() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");
        alice.safetyNumber("carol");
        alice.markVerified("carol");
        swapKeyPackages(carol);

        // bob never saw carol: he pins the operator's key on first use and adds "carol" with alice.
        bob.conversations().createGroup("trip", List.of("alice", "carol"));
        eventually("alice joined and heard of the change", () -> events.get("alice").contains(
                new ConversationEvent.KeysChanged("trip", "carol")));
        byte[] trip = alice.conversations().find("trip", false).groupId().toByteArray();
        alice.conversations().accept("bob");
        assertThatThrownBy(() -> alice.conversations().sendText(trip, "hello trip"))
                .isInstanceOf(ConversationException.class).hasMessageContaining("carol's account key changed since you verified it");
        assertThat(alice.contacts().get("carol").getChanged()).isTrue();
        assertThat(carol.conversations().list()).as("the real carol holds no key of that group").isEmpty();
    }

    @Test
    void aWaitingDeviceThatIsNotTheOneShowingTheCodeIsRefused() throws Exception {
        ParleyClient alice = user("alice");
        DeviceLinks.Waiting shown = DeviceLinks.request(profiles.create("laptop"), alice);
        DeviceLinks.Waiting other = DeviceLinks.request(profiles.create("operators-device"), alice);
        // The person types the laptop's code, but the server answers with the other waiting device's keys.
        String typed = other.code().substring(0, 15) + shown.code().substring(15);
        assertThatThrownBy(() -> Accounts.approveLink(alice.session(), alice.identity(), typed, RANDOM))
                .isInstanceOf(LinkRefusedException.class).hasMessageContaining("do not link");
        assertThat(Accounts.devices(alice.session(), alice.identity())).hasSize(1);

        Accounts.approveLink(alice.session(), alice.identity(), shown.code(), RANDOM);
        assertThat(shown.finish().accountKey()).isEqualTo(alice.identity().accountKey());
    }
}
