package org.parley.client;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.testkit.DeviceLinks;
import org.parley.client.testkit.LiveServer;
import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.attachments.Attachments;
import org.parley.client.keys.KeyPackages;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerException;
import org.parley.client.safety.Contacts;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;
import org.parley.protocol.v1.ErrorCode;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Account, device, key-package, safety-number, attachment and reconnect flows against a real server. */
class ClientFlowsTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    private ProfileStore profile(String name) {
        return profiles.create(name);
    }

    private ParleyClient registered(String username) {
        ProfileStore store = profile(username);
        Accounts.register(store, server.address(), username, null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        return connect(store);
    }

    private ParleyClient connect(ProfileStore store) {
        return profiles.connect(store, temp.resolve("downloads"));
    }

    @Test
    void keyPackagesAreUploadedCountedAndToppedUp() {
        ParleyClient alice = registered("alice");
        alice.publishKeyPackages(5, true);
        assertThat(alice.keyPackages().remaining(alice.session())).isEqualTo(5);
        assertThat(alice.topUpKeyPackages()).isEqualTo(KeyPackages.BATCH - 5);
        assertThat(alice.keyPackages().remaining(alice.session())).isEqualTo(KeyPackages.BATCH);
        assertThat(alice.topUpKeyPackages()).isZero();

        ParleyClient bob = registered("bob");
        List<KeyPackages.Claimed> claimed = KeyPackages.claim(bob.session(), "alice", bob.contacts()).devices();
        assertThat(claimed).hasSize(1);
        assertThat(claimed.get(0).identityKey()).isEqualTo(alice.identity().publicIdentityKey());
        Bytes ref = Bytes.copyOf(KeyPackages.SUITE.makeKeyPackageRef(claimed.get(0).keyPackage().toBytes()));
        assertThat(alice.keyPackages().bundle(ref)).as("alice keeps the private keys of what bob claimed").isNotNull();
        assertThat(alice.keyPackages().remaining(alice.session())).isEqualTo(KeyPackages.BATCH - 1);
    }

    @Test
    void safetyNumbersAgreeComeFromAccountKeysAndANewDeviceIsNoChange() throws Exception {
        ParleyClient alice = registered("alice");
        ParleyClient bob = registered("bob");
        alice.publishKeyPackages(3, true);
        bob.publishKeyPackages(3, true);

        ParleyClient.SafetyReport aliceView = alice.safetyNumber("bob");
        ParleyClient.SafetyReport bobView = bob.safetyNumber("alice");
        assertThat(aliceView.number()).hasSize(60).isEqualTo(bobView.number());
        assertThat(bobView.observation()).isEqualTo(Contacts.Observation.FIRST_SEEN);
        assertThat(bobView.contact().getAccountKey().toByteArray()).isEqualTo(alice.identity().accountKey());
        assertThat(bob.safetyNumber("alice").observation()).isEqualTo(Contacts.Observation.UNCHANGED);
        bob.markVerified("alice");

        ProfileStore laptopStore = profile("alice-laptop");
        DeviceIdentity laptop = DeviceLinks.link(laptopStore, alice);
        assertThat(laptop.accountId()).isEqualTo(alice.identity().accountId());
        assertThat(laptop.username()).isEqualTo("alice");
        assertThat(laptop.accountKey()).as("the account key reached the new device").isEqualTo(alice.identity().accountKey());
        assertThat(laptop.profileKey()).isEqualTo(alice.identity().profileKey());
        ParleyClient aliceLaptop = connect(laptopStore);
        aliceLaptop.publishKeyPackages(3, true);
        assertThat(Accounts.devices(alice.session(), alice.identity())).hasSize(2);

        ParleyClient.SafetyReport afterLink = bob.safetyNumber("alice");
        assertThat(afterLink.observation()).as("a device the account signed is no change").isEqualTo(Contacts.Observation.UNCHANGED);
        assertThat(afterLink.contact().getVerified()).isTrue();
        assertThat(afterLink.number()).isEqualTo(bobView.number()).isEqualTo(aliceLaptop.safetyNumber("bob").number());

        Accounts.removeDevice(alice.session(), Bytes.copyOf(laptop.deviceId()));
        assertThat(Accounts.devices(alice.session(), alice.identity())).hasSize(1);
    }

    @Test
    void attachmentsTravelEncryptedAndComeBackVerified() {
        ParleyClient alice = registered("alice");
        byte[] file = "the quarterly report".getBytes(StandardCharsets.UTF_8);
        Attachments.Pointer pointer = alice.attachments().upload("report.txt", file);
        ParleyClient bob = registered("bob");
        assertThat(bob.attachments().download(pointer)).isEqualTo(file);
    }

    @Test
    void reconnectsAfterTheConnectionDrops() {
        ParleyClient alice = registered("alice");
        alice.publishKeyPackages(2, false);
        for (int i = 0; i < 3; i++) {
            alice.session().dropConnection();
            assertThat(alice.keyPackages().remaining(alice.session())).isEqualTo(2);
        }
    }

    @Test
    void refusalsLeaveTheProfileUnregistered() {
        registered("alice");
        ProfileStore other = profile("other");
        assertThatThrownBy(() -> Accounts.register(other, server.address(), "alice", null, RANDOM, ParleyClient.DEFAULT_TIMEOUT))
                .isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(((ServerException) e).code()).isEqualTo(ErrorCode.USERNAME_TAKEN));
        assertThat(DeviceIdentity.isRegistered(other)).isFalse();
        assertThatThrownBy(() -> Accounts.register(other, new ServerAddress("127.0.0.1", 1, false), "zed", null, RANDOM,
                ParleyClient.DEFAULT_TIMEOUT)).isInstanceOf(ConnectionException.class).hasMessageContaining("cannot reach");
        assertThat(DeviceIdentity.isRegistered(other)).isFalse();
    }
}
