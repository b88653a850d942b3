package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.client.account.AccountKey;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.content.v1.AccessKeyShare;
import org.parley.client.local.v1.DeviceRecord;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What this account accepted and blocked, and which profile key its devices keep, in a real profile. */
class ConsentRecordsTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Bytes ZED = Bytes.copyOf(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});

    @TempDir
    Path temp;
    private ProfileStore profile;
    private DeviceIdentity identity;
    private Consent consent;

    @BeforeEach
    void open() {
        profile = ProfileStore.open(temp, null, true, RANDOM);
        Ed25519PrivateKeyParameters deviceKey = new Ed25519PrivateKeyParameters(RANDOM);
        Ed25519PrivateKeyParameters accountKey = new Ed25519PrivateKeyParameters(RANDOM);
        byte[] accountId = new byte[16];
        profile.put("device", DeviceRecord.newBuilder().setUsername("alice").setServer("http://127.0.0.1:7878")
                .setAccountId(ByteString.copyFrom(accountId)).setDeviceId(ByteString.copyFrom(new byte[16]))
                .setIdentityPrivateKey(ByteString.copyFrom(deviceKey.getEncoded()))
                .setAccountPrivateKey(ByteString.copyFrom(accountKey.getEncoded()))
                .setDeviceCertificate(ByteString.copyFrom(AccountKey.certify(accountKey, accountId,
                        deviceKey.generatePublicKey().getEncoded())))
                .setProfileKey(ByteString.copyFrom(random(32))).build().toByteArray());
        identity = DeviceIdentity.load(profile);
        consent = new Consent(profile, identity);
    }

    @AfterEach
    void close() {
        profile.close();
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @Test
    void aStrangerIsNeitherAcceptedNorBlockedAndThisAccountIsAlwaysAccepted() {
        assertThat(consent.accepted(ZED)).isFalse();
        assertThat(consent.blocked(ZED)).isFalse();
        assertThat(consent.accountOf("zed")).isEmpty();
        assertThat(consent.accepted(Bytes.copyOf(identity.accountId()))).isTrue();
    }

    @Test
    void blockingWithdrawsAcceptanceAndUnblockingDoesNotRestoreIt() {
        consent.accept(ZED, "zed");
        assertThat(consent.accepted(ZED)).isTrue();
        assertThat(consent.accountOf("zed")).contains(ZED);
        consent.setBlocked(ZED, "zed", true);
        assertThat(consent.accepted(ZED)).isFalse();
        assertThat(consent.blocked(ZED)).isTrue();
        consent.accept(ZED, "zed");
        assertThat(consent.accepted(ZED)).as("accepting does not lift a block").isFalse();
        consent.setBlocked(ZED, "zed", false);
        assertThat(consent.blocked(ZED)).isFalse();
        assertThat(consent.accepted(ZED)).isFalse();
        assertThat(new Consent(profile, identity).blocked(ZED)).as("kept in the profile").isFalse();
    }

    @Test
    void anOwnDeviceAdoptsOnlyANewerProfileKey() {
        byte[] first = identity.profileKey();
        byte[] rotated = random(32);
        consent.replaceProfileKey(rotated, 1);
        assertThat(consent.profileKeyGeneration()).isEqualTo(1);

        consent.adoptOwnProfileKey(share(first, 0));
        assertThat(identity.profileKey()).as("a device that missed the rotation cannot bring the old key back").isEqualTo(rotated);
        consent.adoptOwnProfileKey(share(random(32), 1));
        assertThat(identity.profileKey()).as("the same generation changes nothing").isEqualTo(rotated);
        byte[] newer = random(32);
        consent.adoptOwnProfileKey(share(newer, 2));
        assertThat(identity.profileKey()).isEqualTo(newer);
        assertThat(consent.profileKeyGeneration()).isEqualTo(2);
        consent.adoptOwnProfileKey(share(random(31), 3));
        assertThat(identity.profileKey()).as("a key of the wrong size is ignored").isEqualTo(newer);
        assertThat(Arrays.equals(DeviceIdentity.load(profile).profileKey(), newer)).as("saved").isTrue();
    }

    @Test
    void aDamagedListIsReportedNotIgnored() {
        profile.put("consent", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertThatThrownBy(() -> consent.blocked(ZED)).isInstanceOf(ProfileException.class)
                .hasMessageContaining("accepted and blocked accounts in this profile is damaged");
    }

    private static AccessKeyShare share(byte[] profileKey, long generation) {
        return AccessKeyShare.newBuilder().setProfileKey(ByteString.copyFrom(profileKey)).setGeneration(generation).build();
    }
}
