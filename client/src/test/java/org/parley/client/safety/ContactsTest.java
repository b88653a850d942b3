package org.parley.client.safety;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;

import java.nio.file.Path;
import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pinning account keys per username: first sight, the same key again, a change, and what verifying
 * and trusting undo; and whose word a name is: the server's (confirmed) or a credential's (not).
 */
class ContactsTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path temp;
    private ProfileStore store;
    private Contacts contacts;

    @BeforeEach
    void open() {
        store = ProfileStore.open(temp, null, true, RANDOM);
        contacts = new Contacts(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static Bytes random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return Bytes.copyOf(bytes);
    }

    @Test
    void theFirstKeyIsPinnedAndTheSameKeyIsNoChange() {
        Bytes account = random(16);
        Bytes key = random(32);
        assertThat(contacts.observe("carol", account, key)).isEqualTo(Contacts.Observation.FIRST_SEEN);
        assertThat(contacts.observe("carol", account, key)).isEqualTo(Contacts.Observation.UNCHANGED);
        assertThat(contacts.pinnedKey("carol")).isEqualTo(key);
        assertThat(contacts.get("carol").getChanged()).isFalse();
        assertThat(contacts.needingAcceptance()).isEmpty();
    }

    @Test
    void anotherKeyOrAccountIsAChangeAndDropsTheOldAccessKey() {
        Bytes account = random(16);
        Bytes key = random(32);
        contacts.observe("carol", account, key);
        contacts.rememberAccessKey("carol", new byte[16]);
        Bytes swapped = random(32);
        assertThat(contacts.observe("carol", account, swapped)).isEqualTo(Contacts.Observation.CHANGED);
        assertThat(contacts.pinnedKey("carol")).isEqualTo(swapped);
        assertThat(contacts.get("carol").getChanged()).isTrue();
        assertThat(contacts.get("carol").getAccessKey().isEmpty()).isTrue();
        assertThat(contacts.get("carol").getPreviousAccountKeysList()).hasSize(1);
        assertThat(contacts.needingAcceptance()).as("carol was never verified: a warning, no block").isEmpty();
        assertThat(contacts.observe("carol", random(16), swapped)).as("the same key under another account id")
                .isEqualTo(Contacts.Observation.CHANGED);
    }

    @Test
    void aChangeAfterVerifyingBlocksUntilVerifiedOrTrusted() {
        Bytes account = random(16);
        contacts.observe("carol", account, random(32));
        contacts.observe("dave", random(16), random(32));
        contacts.markVerified("carol");
        contacts.markVerified("dave");
        assertThat(contacts.get("carol").getVerified()).isTrue();

        contacts.observe("carol", account, random(32));
        // The server gives dave's name to another account (a credential alone could not move a verified name).
        contacts.confirm("dave", random(16), random(32));
        assertThat(contacts.needingAcceptance()).containsExactlyInAnyOrder("carol", "dave");
        assertThat(contacts.get("carol").getVerified()).isFalse();

        contacts.trust("carol");
        assertThat(contacts.needingAcceptance()).containsExactly("dave");
        assertThat(contacts.get("carol").getVerified()).as("trusting is not verifying").isFalse();
        assertThat(contacts.get("carol").getChanged()).isFalse();
        contacts.markVerified("dave");
        assertThat(contacts.needingAcceptance()).isEmpty();
        assertThat(contacts.get("dave").getVerified()).isTrue();
    }

    @Test
    void verifyingOrTrustingAStrangerIsRefused() {
        assertThatThrownBy(() -> contacts.trust("nobody")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parley safety-number nobody");
        assertThatThrownBy(() -> contacts.markVerified("nobody")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNameFromACredentialIsUnconfirmedAndTheServersAnswerConfirmsIt() {
        Bytes account = random(16);
        Bytes key = random(32);
        assertThat(contacts.observe("carol", account, key)).isEqualTo(Contacts.Observation.FIRST_SEEN);
        assertThat(contacts.nameConfirmed("carol")).isFalse();
        assertThat(contacts.confirmedAccount("carol")).isNull();
        assertThat(contacts.observe("carol", account, key)).as("seeing it again in a group confirms nothing")
                .isEqualTo(Contacts.Observation.UNCHANGED);
        assertThat(contacts.nameConfirmed("carol")).isFalse();

        assertThat(contacts.confirm("carol", account, key)).isEqualTo(Contacts.Observation.UNCHANGED);
        assertThat(contacts.nameConfirmed("carol")).isTrue();
        assertThat(contacts.confirmedAccount("carol")).isEqualTo(account);
        assertThat(contacts.observe("carol", account, key)).isEqualTo(Contacts.Observation.UNCHANGED);
        assertThat(contacts.nameConfirmed("carol")).as("a credential does not unconfirm it either").isTrue();

        assertThat(contacts.confirm("dave", random(16), random(32))).as("first seen in the server's answer")
                .isEqualTo(Contacts.Observation.FIRST_SEEN);
        assertThat(contacts.nameConfirmed("dave")).isTrue();
    }

    @Test
    void theServerTakesBackANameThatAnotherAccountsCredentialClaimed() {
        Bytes zed = random(16);
        contacts.observe("carol", zed, random(32));
        contacts.rememberAccessKey("carol", new byte[16]);

        Bytes carol = random(16);
        Bytes carolKey = random(32);
        assertThat(contacts.confirm("carol", carol, carolKey)).isEqualTo(Contacts.Observation.NAME_TAKEN_BACK);
        assertThat(contacts.confirmedAccount("carol")).isEqualTo(carol);
        assertThat(contacts.pinnedKey("carol")).isEqualTo(carolKey);
        assertThat(contacts.get("carol").getChanged()).as("not a change of the real carol's key").isFalse();
        assertThat(contacts.get("carol").getPreviousAccountKeysList()).isEmpty();
        assertThat(contacts.get("carol").getAccessKey().isEmpty()).as("the impostor's access key is gone").isTrue();
        assertThat(contacts.needingAcceptance()).isEmpty();
    }

    @Test
    void aCredentialNeverMovesAConfirmedNameToAnotherAccount() {
        Bytes carol = random(16);
        Bytes carolKey = random(32);
        contacts.confirm("carol", carol, carolKey);
        assertThat(contacts.observe("carol", random(16), random(32))).isEqualTo(Contacts.Observation.IMPERSONATED);
        assertThat(contacts.confirmedAccount("carol")).isEqualTo(carol);
        assertThat(contacts.pinnedKey("carol")).isEqualTo(carolKey);
        assertThat(contacts.get("carol").getChanged()).isFalse();

        Bytes swapped = random(32);
        assertThat(contacts.observe("carol", carol, swapped)).as("a new key of the same account is a change")
                .isEqualTo(Contacts.Observation.CHANGED);
        assertThat(contacts.confirmedAccount("carol")).isEqualTo(carol);
        assertThat(contacts.get("carol").getChanged()).isTrue();
    }

    @Test
    void theServerGivingAConfirmedNameToAnotherAccountIsAChangeThatBlocksAVerifiedContact() {
        Bytes carol = random(16);
        contacts.confirm("carol", carol, random(32));
        contacts.markVerified("carol");
        Bytes other = random(16);
        assertThat(contacts.confirm("carol", other, random(32))).isEqualTo(Contacts.Observation.CHANGED);
        assertThat(contacts.confirmedAccount("carol")).isEqualTo(other);
        assertThat(contacts.needingAcceptance()).containsExactly("carol");
    }

    @Test
    void aVerifiedPinCountsAsConfirmedSoTheServerCannotTakeItBackQuietly() {
        Bytes carol = random(16);
        contacts.observe("carol", carol, random(32));
        contacts.markVerified("carol");
        assertThat(contacts.confirmedAccount("carol")).isEqualTo(carol);
        assertThat(contacts.confirm("carol", random(16), random(32))).isEqualTo(Contacts.Observation.CHANGED);
        assertThat(contacts.needingAcceptance()).containsExactly("carol");
        contacts.trust("carol");
        assertThat(contacts.nameConfirmed("carol")).as("trusting the change keeps the name confirmed").isTrue();
    }
}
