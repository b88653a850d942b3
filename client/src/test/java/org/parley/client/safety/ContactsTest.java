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

/** Pinning account keys per username: first sight, the same key again, a change, and what verifying and trusting undo. */
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
        contacts.observe("dave", random(16), random(32));
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
}
