package org.parley.server.admin;

import static org.parley.server.testing.MailboxKeys.mailboxKey;
import com.google.protobuf.ByteString;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.accounts.DeviceRecord;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.groups.CommitId;
import org.parley.server.groups.RoutingId;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.storage.Secrets;
import org.parley.server.testing.Backend;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.StoreContract;

class AdminStoreContractTest extends StoreContract {

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void disclosureHoldsOnlyWhatTheThreatModelAllows(Backend backend) throws IOException {
        ServerStores store = open(backend);
        byte[] phoneKey = Secrets.random(32);
        Registration alice = store.accounts().register(Username.parse("alice"), phoneKey, mailboxKey(), Secrets.random(16), null);
        DeviceRecord laptop = store.accounts().addDevice(alice.account(), Secrets.random(32), mailboxKey());
        Registration bob = register(store, "bob");
        store.keyPackages().upload(alice.device(), List.of(new byte[] {1}, new byte[] {2}));
        store.keyPackages().upload(laptop.id(), List.of(new byte[] {3}));
        store.keyPackages().setLastResort(laptop.id(), new byte[] {4});
        store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(alice.device(), ByteString.copyFrom(new byte[100])),
                new NewEnvelope(laptop.id(), ByteString.copyFrom(new byte[100])))));
        store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(bob.device(), ByteString.copyFrom(new byte[7])))));
        store.mailbox().enqueue(List.of(new Delivery(List.of(), store.groups().commit(
                EpochKey.commit(RoutingId.of(Secrets.random(16)), 0, CommitId.of(new byte[] {1}), new byte[] {1}, null, EpochKey.random())))));
        store.attachments().store(new ByteArrayInputStream(new byte[10]));
        harness.clock.advance(Duration.ofDays(2));
        store.accounts().recordConnection(laptop.id());

        Disclosure disclosure = store.admin().disclose(Username.parse("Alice")).orElseThrow();
        assertThat(disclosure.created()).isEqualTo(LocalDate.of(2026, 3, 1));
        assertThat(disclosure.lastConnectionDay()).isEqualTo(LocalDate.of(2026, 3, 3));
        assertThat(disclosure.devices()).extracting(Disclosure.DisclosedDevice::id).containsExactlyInAnyOrder(alice.device(), laptop.id());
        assertThat(disclosure.devices()).filteredOn(device -> device.id().equals(alice.device())).singleElement()
                .satisfies(device -> assertThat(device.identityPublicKey()).isEqualTo(ByteString.copyFrom(phoneKey)));
        assertThat(disclosure.keyPackages()).isEqualTo(3);
        assertThat(disclosure.pendingMessages()).isEqualTo(2);
        assertThat(disclosure.pendingBytes()).isEqualTo(200);

        // The shape itself is the promise: these fields and nothing else.
        assertThat(Arrays.stream(Disclosure.class.getRecordComponents()).map(RecordComponent::getName))
                .containsExactly("created", "lastConnectionDay", "devices", "keyPackages", "pendingMessages", "pendingBytes");
        assertThat(Arrays.stream(Disclosure.DisclosedDevice.class.getRecordComponents()).map(RecordComponent::getName))
                .containsExactly("id", "identityPublicKey");

        assertThat(store.admin().disclose(Username.parse("nobody"))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void statsCountEverything(Backend backend) throws IOException {
        ServerStores store = open(backend);
        assertThat(store.admin().stats()).isEqualTo(new Stats(0, 0, 0, 0, 0, 0, 0, 0));
        Registration alice = register(store, "alice");
        Registration bob = register(store, "bob");
        store.keyPackages().upload(bob.device(), List.of(new byte[] {1}, new byte[] {2}));
        store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(bob.device(), ByteString.copyFrom(new byte[33])))));
        RoutingId group = RoutingId.of(Secrets.random(16));
        store.mailbox().enqueue(List.of(new Delivery(List.of(), store.groups().commit(
                EpochKey.commit(group, 0, CommitId.of(new byte[] {1}), new byte[] {1}, null, EpochKey.random())))));
        store.attachments().store(new ByteArrayInputStream(new byte[12]));
        store.attachments().store(new ByteArrayInputStream(new byte[30]));
        assertThat(alice.account()).isNotEqualTo(bob.account());
        assertThat(store.admin().stats()).isEqualTo(new Stats(2, 2, 2, 1, 33, 1, 2, 42));
    }
}
