package org.parley.server.accounts;

import com.google.protobuf.ByteString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.server.testing.MailboxKeys.mailboxKey;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.server.ServerStores;
import org.parley.server.storage.Secrets;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

class AccountStoreContractTest extends StoreContract {

    @Test
    void usernamesAreCaseFoldedAndValidated() {
        assertThat(Username.parse("Alice.Smith_2").value()).isEqualTo("alice.smith_2");
        assertThat(Username.parse("abc").value()).isEqualTo("abc");
        assertThat(Username.parse("a".repeat(32)).value()).hasSize(32);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ab", "this_name_is_thirty_three_chars_x", "has space", "émile", "a-b-c", "dot/slash", "x\u0000y"})
    void invalidUsernamesAreRejected(String text) {
        assertThatThrownBy(() -> Username.parse(text)).isInstanceOf(InvalidUsernameException.class)
                .hasMessageContaining("3 to 32 characters");
    }

    @Test
    void aHugeUsernameIsNotEchoedWhole() {
        assertThatThrownBy(() -> Username.parse("x".repeat(100_000)))
                .isInstanceOf(InvalidUsernameException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void registrationCreatesAnAccountWithItsFirstDevice(Backend backend) {
        ServerStores store = open(backend);
        byte[] identity = Secrets.random(32);
        Registration registration = store.accounts().register(Username.parse("Alice"), identity, mailboxKey(), null, null);

        AccountRecord account = store.accounts().findByUsername(Username.parse("ALICE")).orElseThrow();
        assertThat(account.id()).isEqualTo(registration.account());
        assertThat(account.username().value()).isEqualTo("alice");
        assertThat(account.created()).isEqualTo(LocalDate.of(2026, 3, 1));
        assertThat(store.accounts().account(registration.account())).contains(account);
        List<DeviceRecord> devices = store.accounts().devices(registration.account());
        assertThat(devices).singleElement().satisfies(device -> {
            assertThat(device.id()).isEqualTo(registration.device());
            assertThat(device.identityPublicKey().toByteArray()).isEqualTo(identity);
            assertThat(device.account()).isEqualTo(registration.account());
        });
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void usernamesAreUniqueIgnoringCase(Backend backend) {
        ServerStores store = open(backend);
        register(store, "bob");
        assertThatThrownBy(() -> register(store, "BoB")).isInstanceOf(UsernameTakenException.class).hasMessageContaining("'bob'");
        assertThat(store.admin().stats().accounts()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void concurrentRegistrationsOfOneNameCreateOneAccount(Backend backend) throws Exception {
        ServerStores store = open(backend);
        long winners = countSuccesses(16, () -> {
            try {
                register(store, "carol");
                return true;
            } catch (UsernameTakenException e) {
                return false;
            }
        });
        assertThat(winners).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void devicesAddedAtOnceThroughTwoStoresNeverPassTheLimit(Backend backend) throws Exception {
        ServerStores store = open(backend);
        AccountId account = register(store, "grace").account();
        try (ServerStores otherNode = harness.openAnother()) {
            java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
            long added = countSuccesses(16, () -> {
                ServerStores node = turn.getAndIncrement() % 2 == 0 ? store : otherNode;
                try {
                    node.accounts().addDevice(account, Secrets.random(32), mailboxKey(), 5);
                    return true;
                } catch (DeviceLimitException e) {
                    return false;
                }
            });
            assertThat(added).as("four besides the first").isEqualTo(4);
        }
        assertThat(store.accounts().devices(account)).hasSize(5);
        assertThatThrownBy(() -> store.accounts().addDevice(account, Secrets.random(32), mailboxKey(), 5))
                .isInstanceOf(DeviceLimitException.class).hasMessageContaining("5 devices");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void identityKeysMustBeEd25519Sized(Backend backend) {
        ServerStores store = open(backend);
        assertThatThrownBy(() -> store.accounts().register(Username.parse("dave"), new byte[31], mailboxKey(), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
        assertThat(store.accounts().findByUsername(Username.parse("dave"))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void inviteCodesWorkOnce(Backend backend) {
        ServerStores store = open(backend);
        byte[] code = store.accounts().createInviteCode();
        store.accounts().register(Username.parse("erin"), Secrets.random(32), mailboxKey(), null, code);
        assertThatThrownBy(() -> store.accounts().register(Username.parse("frank"), Secrets.random(32), mailboxKey(), null, code))
                .isInstanceOf(InvalidInviteCodeException.class);
        assertThatThrownBy(() -> store.accounts().register(Username.parse("frank"), Secrets.random(32), mailboxKey(), null, Secrets.random(16)))
                .isInstanceOf(InvalidInviteCodeException.class);
        assertThat(store.accounts().findByUsername(Username.parse("frank"))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aTakenNameDoesNotConsumeTheInviteCode(Backend backend) {
        ServerStores store = open(backend);
        register(store, "gina");
        byte[] code = store.accounts().createInviteCode();
        assertThatThrownBy(() -> store.accounts().register(Username.parse("gina"), Secrets.random(32), mailboxKey(), null, code))
                .isInstanceOf(UsernameTakenException.class);
        store.accounts().register(Username.parse("gina2"), Secrets.random(32), mailboxKey(), null, code);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void approvedDevicesJoinTheirAccount(Backend backend) {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        byte[] laptopKey = Secrets.random(32);
        DeviceRecord laptop = store.accounts().addDevice(alice.account(), laptopKey, mailboxKey());
        assertThat(laptop.account()).isEqualTo(alice.account());
        assertThat(laptop.identityPublicKey()).isEqualTo(ByteString.copyFrom(laptopKey));
        // Devices are listed by day, then id: the server keeps no finer creation order.
        assertThat(store.accounts().devices(alice.account())).extracting(DeviceRecord::id)
                .containsExactlyInAnyOrder(alice.device(), laptop.id());
        harness.clock.advance(Duration.ofDays(1));
        DeviceRecord tablet = store.accounts().addDevice(alice.account(), Secrets.random(32), mailboxKey());
        assertThat(store.accounts().devices(alice.account())).extracting(DeviceRecord::id).last().isEqualTo(tablet.id());
        assertThat(store.mailbox().usage(laptop.id()).messages()).as("its mailbox exists").isZero();

        assertThatThrownBy(() -> store.accounts().addDevice(AccountId.random(), Secrets.random(32), mailboxKey()))
                .isInstanceOf(UnknownAccountException.class);
        assertThatThrownBy(() -> store.accounts().addDevice(alice.account(), Secrets.random(31), mailboxKey()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.accounts().devices(alice.account())).hasSize(3);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void anUnknownDeviceCannotConnect(Backend backend) {
        ServerStores store = open(backend);
        assertThatThrownBy(() -> store.accounts().recordConnection(DeviceId.random()))
                .isInstanceOf(UnknownDeviceException.class);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void connectionsAreRecordedAsDays(Backend backend) {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        harness.clock.advance(Duration.ofDays(3).plusHours(5));
        store.accounts().recordConnection(alice.device());

        LocalDate expected = LocalDate.of(2026, 3, 4);
        assertThat(store.accounts().account(alice.account()).orElseThrow().lastConnectionDay()).isEqualTo(expected);
        assertThat(store.accounts().device(alice.device()).orElseThrow().lastSeenDay()).isEqualTo(expected);
        assertThat(store.accounts().device(alice.device()).orElseThrow().created()).isEqualTo(LocalDate.of(2026, 3, 1));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void accessKeysAreCheckedAgainstTheirHash(Backend backend) {
        ServerStores store = open(backend);
        byte[] accessKey = Secrets.random(16);
        Registration alice = store.accounts().register(Username.parse("alice"), Secrets.random(32), mailboxKey(), accessKey, null);
        assertThat(store.accounts().accessKeyMatches(alice.account(), accessKey)).isTrue();
        assertThat(store.accounts().accessKeyMatches(alice.account(), Secrets.random(16))).isFalse();
        assertThat(store.accounts().accessKeyMatches(AccountId.random(), accessKey)).isFalse();

        byte[] rotated = Secrets.random(16);
        store.accounts().setAccessKey(alice.account(), rotated);
        assertThat(store.accounts().accessKeyMatches(alice.account(), accessKey)).isFalse();
        assertThat(store.accounts().accessKeyMatches(alice.account(), rotated)).isTrue();
        store.accounts().setAccessKey(alice.account(), null);
        assertThat(store.accounts().accessKeyMatches(alice.account(), rotated)).isFalse();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void mailboxKeysAreStoredReplacedAndForgottenWithTheDevice(Backend backend) {
        ServerStores store = open(backend);
        byte[] first = mailboxKey();
        Registration alice = store.accounts().register(Username.parse("alice"), Secrets.random(32), first, null, null);
        DeviceId ghost = DeviceId.random();
        assertThat(store.accounts().mailboxKeys(List.of(alice.device(), ghost))).as("an unknown device is absent")
                .containsOnlyKeys(alice.device()).hasEntrySatisfying(alice.device(), key -> assertThat(key).isEqualTo(first));
        assertThat(store.accounts().device(alice.device()).orElseThrow().mailboxKey()).isEqualTo(ByteString.copyFrom(first));

        // Replaced: the next lookup, cached before, already gives the new key.
        byte[] second = mailboxKey();
        store.accounts().setMailboxKey(alice.device(), second);
        assertThat(store.accounts().mailboxKeys(List.of(alice.device())).get(alice.device())).isEqualTo(second);
        assertThatThrownBy(() -> store.accounts().setMailboxKey(ghost, mailboxKey())).isInstanceOf(UnknownDeviceException.class);

        // Hostile keys are refused before anything is written.
        for (byte[] bad : List.of(new byte[0], new byte[31], new byte[33], new byte[32])) {
            assertThatThrownBy(() -> store.accounts().setMailboxKey(alice.device(), bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.accounts().register(Username.parse("mallory"), Secrets.random(32), bad, null, null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.accounts().addDevice(alice.account(), Secrets.random(32), bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.accounts().setMailboxKey(alice.device(), null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.accounts().findByUsername(Username.parse("mallory"))).isEmpty();
        assertThat(store.accounts().mailboxKeys(List.of(alice.device())).get(alice.device())).isEqualTo(second);

        // Removed: the device's key is gone from the cache too, so nothing more is sealed for it.
        assertThat(store.accounts().removeDevice(alice.account(), alice.device())).isTrue();
        assertThat(store.accounts().mailboxKeys(List.of(alice.device()))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void removingADeviceTakesItsKeyPackagesAndMailWithIt(Backend backend) {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        Registration bob = register(store, "bob");
        store.keyPackages().upload(bob.device(), List.of(new byte[] {1}, new byte[] {2}));
        store.keyPackages().setLastResort(bob.device(), new byte[] {9});
        store.mailbox().enqueue(new org.parley.server.mailbox.Delivery(List.of(
                new org.parley.server.mailbox.NewEnvelope(bob.device(), ByteString.copyFrom(new byte[] {42})))));

        assertThat(store.accounts().removeDevice(alice.account(), bob.device())).isFalse();
        assertThat(store.accounts().removeDevice(bob.account(), bob.device())).isTrue();
        assertThat(store.accounts().devices(bob.account())).isEmpty();
        assertThat(store.admin().stats().keyPackages()).isZero();
        assertThat(store.admin().stats().pendingMessages()).isZero();
        assertThat(store.keyPackages().claim(bob.account())).isEmpty();
    }
}
