package org.parley.server.mailbox;

import com.google.protobuf.ByteString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.server.testing.MailboxKeys.mailboxKey;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.Registration;
import org.parley.server.groups.CommitId;
import org.parley.server.groups.RoutingId;
import org.parley.server.storage.Secrets;
import org.parley.server.testing.Backend;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.StoreContract;

class MailboxStoreContractTest extends StoreContract {

    private static Delivery to(byte[] payload, DeviceId... recipients) {
        List<NewEnvelope> envelopes = new ArrayList<>();
        for (DeviceId recipient : recipients) {
            envelopes.add(new NewEnvelope(recipient, ByteString.copyFrom(payload)));
        }
        return new Delivery(envelopes);
    }

    private static byte[] payload(int marker, int size) {
        byte[] payload = new byte[size];
        java.util.Arrays.fill(payload, (byte) marker);
        return payload;
    }

    private static List<Integer> markers(List<Envelope> envelopes) {
        return envelopes.stream().map(envelope -> (int) envelope.payload().byteAt(0)).toList();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void mailIsFetchedInArrivalOrderWithACursor(Backend backend) {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        Registration bob = register(store, "bob");
        List<Delivery> batch = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            batch.add(to(payload(i, 10), bob.device()));
        }
        store.mailbox().enqueue(batch);
        harness.clock.advance(Duration.ofMinutes(61));
        store.mailbox().enqueue(to(payload(6, 10), bob.device()));

        List<Envelope> all = store.mailbox().pending(bob.device(), 0, 100);
        assertThat(markers(all)).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(all).extracting(Envelope::id).as("the mailbox's own sequence").containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        Instant hour = harness.clock.instant().truncatedTo(ChronoUnit.HOURS);
        assertThat(all.get(5).arrivalHour()).as("no time finer than the hour").isEqualTo(hour);
        assertThat(all.get(0).arrivalHour()).isEqualTo(hour.minus(Duration.ofHours(1)));
        assertThat(all.get(0).recipient()).isEqualTo(bob.device());

        List<Envelope> page = store.mailbox().pending(bob.device(), 0, 2);
        assertThat(markers(page)).containsExactly(1, 2);
        assertThat(markers(store.mailbox().pending(bob.device(), page.get(1).id(), 2))).containsExactly(3, 4);
        assertThat(store.mailbox().pending(alice.device(), 0, 100)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void oneDeliveryFansOutToManyDevicesNumberedPerMailbox(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        store.mailbox().enqueue(to(payload(9, 16), bob.device()));
        List<Envelope> stored = store.mailbox().enqueue(to(payload(1, 256), bob.device(), carol.device()));
        assertThat(stored).extracting(Envelope::recipient).containsExactly(bob.device(), carol.device());
        assertThat(stored).extracting(Envelope::id).as("each mailbox counts on its own").containsExactly(2L, 1L);
        assertThat(store.mailbox().pending(bob.device(), 0, 10)).extracting(Envelope::id).containsExactly(1L, stored.get(0).id());
        assertThat(store.mailbox().pending(carol.device(), 0, 10)).extracting(Envelope::id).containsExactly(stored.get(1).id());
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aFullMailboxRejectsTheWholeDeliveryButNotTheRestOfTheBatch(Backend backend) {
        ServerStores store = open(backend, config -> config.withMailboxLimits(new MailboxLimits(2, 1 << 20, Duration.ofDays(30))));
        Registration alice = register(store, "alice");
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        store.mailbox().enqueue(to(payload(1, 10), bob.device()));

        List<DeliveryOutcome> outcomes = store.mailbox().enqueue(List.of(
                to(payload(2, 10), carol.device()),              // fits
                to(payload(3, 10), bob.device()),                // fills bob
                to(payload(4, 10), carol.device(), bob.device()), // bob is full: nothing stored
                to(payload(5, 10), carol.device())));            // still fits

        assertThat(outcomes.get(0)).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(outcomes.get(1)).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(outcomes.get(2)).isInstanceOfSatisfying(DeliveryOutcome.Rejected.class, rejected -> {
            assertThat(rejected.reason()).isInstanceOf(MailboxFullException.class);
            assertThat(((MailboxFullException) rejected.reason()).recipient()).isEqualTo(bob.device());
            assertThat(rejected.reason().getMessage()).contains(bob.device().hex()).contains("2 of 2 messages");
        });
        assertThat(outcomes.get(3)).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(markers(store.mailbox().pending(carol.device(), 0, 10))).containsExactly(2, 5);
        assertThat(markers(store.mailbox().pending(bob.device(), 0, 10))).containsExactly(1, 3);
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(new MailboxUsage(2, 20));

        assertThatThrownBy(() -> store.mailbox().enqueue(to(payload(6, 1), bob.device())))
                .isInstanceOf(MailboxFullException.class);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void theByteQuotaCountsToo(Backend backend) {
        int max = MailboxStore.MAX_PAYLOAD_BYTES;
        ServerStores store = open(backend, config -> config.withMailboxLimits(new MailboxLimits(100, 2L * max, Duration.ofDays(30))));
        Registration bob = register(store, "bob");
        store.mailbox().enqueue(to(payload(1, max), bob.device()));
        store.mailbox().enqueue(to(payload(2, max - 1), bob.device()));
        assertThatThrownBy(() -> store.mailbox().enqueue(to(payload(3, 2), bob.device())))
                .isInstanceOf(MailboxFullException.class).hasMessageContaining("bytes");
        store.mailbox().enqueue(to(payload(4, 1), bob.device()));
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(new MailboxUsage(3, 2L * max));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void unknownRecipientsAreSkippedAndNamedAndOversizedPayloadsAreRejected(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        DeviceId ghost = DeviceId.random();
        List<DeliveryOutcome> outcomes = store.mailbox().enqueue(List.of(to(payload(1, 1), ghost, bob.device()),
                to(payload(2, 1), ghost)));
        assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Stored.class, stored -> {
            assertThat(stored.unknownRecipients()).containsExactly(ghost);
            assertThat(stored.envelopes()).extracting(Envelope::recipient).containsExactly(bob.device());
        });
        assertThat(outcomes.get(1)).as("a delivery to nobody that exists is stored nowhere, and says so")
                .isEqualTo(new DeliveryOutcome.Stored(List.of(), List.of(ghost)));
        assertThat(store.mailbox().pending(bob.device(), 0, 10)).hasSize(1);
        assertThat(store.mailbox().usage(bob.device()).messages()).isEqualTo(1);
        assertThatThrownBy(() -> new NewEnvelope(bob.device(), ByteString.copyFrom(new byte[MailboxStore.MAX_PAYLOAD_BYTES + 1])))
                .isInstanceOf(EnvelopeTooLargeException.class).hasMessageContaining("attachment");
        assertThatThrownBy(() -> new Delivery(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.mailbox().pending(bob.device(), 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.mailbox().enqueue(List.of())).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void acknowledgedMailIsDeletedOnlyFromTheAcknowledgingDevice(Backend backend) {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        Registration bob = register(store, "bob");
        List<Envelope> stored = store.mailbox().enqueue(to(payload(1, 100), alice.device(), bob.device()));
        Envelope forAlice = stored.get(0);
        Envelope forBob = stored.get(1);
        store.mailbox().enqueue(to(payload(2, 50), bob.device()));

        assertThat(store.mailbox().acknowledge(alice.device(), List.of(2L))).as("alice has no copy 2; bob's copy 2 stays").isZero();
        assertThat(store.mailbox().acknowledge(bob.device(), List.of(forBob.id(), forBob.id(), 999_999L))).isEqualTo(1);
        assertThat(store.mailbox().acknowledge(bob.device(), List.of(forBob.id()))).isZero();
        assertThat(markers(store.mailbox().pending(bob.device(), 0, 10))).containsExactly(2);
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(new MailboxUsage(1, 50));
        assertThat(store.mailbox().pending(alice.device(), 0, 10)).extracting(Envelope::id).containsExactly(forAlice.id());
        assertThat(store.mailbox().acknowledge(bob.device(), List.of())).isZero();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void acknowledgementsOfManyDevicesCommitTogether(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        List<Envelope> stored = store.mailbox().enqueue(to(payload(1, 10), bob.device(), carol.device()));
        store.mailbox().enqueue(to(payload(2, 10), carol.device()));
        int deleted = store.mailbox().acknowledge(List.of(
                new Acknowledgement(bob.device(), List.of(stored.get(0).id())),
                new Acknowledgement(carol.device(), List.of(stored.get(1).id(), stored.get(0).id())),
                new Acknowledgement(bob.device(), List.of())));
        assertThat(deleted).isEqualTo(2);
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(MailboxUsage.EMPTY);
        assertThat(markers(store.mailbox().pending(carol.device(), 0, 10))).containsExactly(2);
        assertThat(store.mailbox().usage(carol.device())).isEqualTo(new MailboxUsage(1, 10));
    }

    /** Acknowledgements of one copy each share one statement in a batch: each still deletes its own device's copy, once. */
    @ParameterizedTest
    @MethodSource(BACKENDS)
    void singleCopyAcknowledgementsInOneBatchDeleteEachCopyOnceFromItsOwnDevice(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        List<Envelope> first = store.mailbox().enqueue(to(payload(1, 10), bob.device(), carol.device()));
        List<Envelope> second = store.mailbox().enqueue(to(payload(2, 20), bob.device(), carol.device()));
        Envelope bobsFirst = first.get(0);
        Envelope bobsSecond = second.get(0);
        Envelope carolsSecond = second.get(1);
        int deleted = store.mailbox().acknowledge(List.of(
                new Acknowledgement(bob.device(), List.of(bobsFirst.id())),
                new Acknowledgement(bob.device(), List.of(bobsFirst.id())), // again: nothing more to delete
                new Acknowledgement(carol.device(), List.of(carolsSecond.id())),
                new Acknowledgement(bob.device(), List.of(bobsSecond.id(), 999_999L)),
                new Acknowledgement(carol.device(), List.of(999_999L))));
        assertThat(deleted).isEqualTo(3);
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(MailboxUsage.EMPTY);
        assertThat(markers(store.mailbox().pending(carol.device(), 0, 10))).containsExactly(1);
        assertThat(store.mailbox().usage(carol.device())).isEqualTo(new MailboxUsage(1, 10));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void sendsAndAcknowledgementsCommitTogetherInOneWrite(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        Envelope old = store.mailbox().enqueue(to(payload(1, 10), bob.device())).get(0);
        DeviceId ghost = DeviceId.random();
        MailboxStore.BatchOutcome outcome = store.mailbox().write(
                List.of(to(payload(2, 20), bob.device()), to(payload(3, 30), carol.device(), ghost)),
                List.of(new Acknowledgement(bob.device(), List.of(old.id())), new Acknowledgement(carol.device(), List.of(old.id() + 1))));
        assertThat(outcome.deleted()).as("carol cannot delete bob's mail").isEqualTo(1);
        assertThat(outcome.deliveries()).hasSize(2);
        assertThat(outcome.deliveries().get(0)).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(outcome.deliveries().get(1)).as("unknown recipient skipped").isInstanceOfSatisfying(DeliveryOutcome.Stored.class,
                stored -> assertThat(stored.unknownRecipients()).containsExactly(ghost));
        assertThat(markers(store.mailbox().pending(bob.device(), 0, 10))).containsExactly(2);
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(new MailboxUsage(1, 20));
        assertThat(markers(store.mailbox().pending(carol.device(), 0, 10))).containsExactly(3);
        assertThat(store.mailbox().write(List.of(), List.of(new Acknowledgement(bob.device(), List.of()))))
                .isEqualTo(new MailboxStore.BatchOutcome(List.of(), 0));
    }

    /**
     * The hazard of pushing before the fsync: copies shown to their recipients, then a commit that
     * fails. Whatever the store did with them, none of their ids may name another copy, or a client
     * that saw the id would drop that other copy as one it already has.
     */
    @ParameterizedTest
    @MethodSource(BACKENDS)
    void idsShownBeforeAFailedCommitNeverNameAnotherCopy(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        store.mailbox().enqueue(to(payload(9, 10), bob.device()));
        List<Long> shown = new ArrayList<>();
        assertThatThrownBy(() -> store.mailbox().write(List.of(to(payload(1, 10), bob.device()), to(payload(2, 10), bob.device())),
                List.of(), decided -> {
                    decided.forEach(outcome -> ((DeliveryOutcome.Stored) outcome).envelopes().forEach(envelope -> shown.add(envelope.id())));
                    throw new IllegalStateException("the disk failed"); // where early runs before the commit, the commit fails
                })).hasMessage("the disk failed");
        assertThat(shown).hasSize(2);

        List<Envelope> later = new ArrayList<>();
        for (int marker = 3; marker <= 5; marker++) {
            later.addAll(store.mailbox().enqueue(to(payload(marker, 10), bob.device())));
        }
        assertThat(later).allSatisfy(envelope -> assertThat(envelope.id()).isGreaterThan(java.util.Collections.max(shown)));
        for (Envelope pending : store.mailbox().pending(bob.device(), 0, 100)) {
            if (shown.contains(pending.id())) {
                assertThat((int) pending.payload().byteAt(0)).as("a shown id keeps its copy").isEqualTo(shown.indexOf(pending.id()) + 1);
            }
        }
        assertThat(markers(store.mailbox().pending(bob.device(), shown.get(1), 100))).containsExactly(3, 4, 5);
    }

    /**
     * A batch that moves a group to its next epoch is shown only once committed: members must never
     * apply a commit the server could lose. Here showing it fails, after the commit, so it is stored.
     */
    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aBatchWithAGroupCommitIsShownOnlyAfterItsCommit(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        RoutingId group = RoutingId.of(Secrets.random(32));
        Precondition epochChange = store.groups().commit(EpochKey.commit(group, 0, CommitId.of(new byte[] {1}), new byte[] {1},
                null, EpochKey.random()));
        Delivery commit = new Delivery(List.of(new NewEnvelope(bob.device(), ByteString.copyFrom(payload(1, 10)))), epochChange);
        assertThatThrownBy(() -> store.mailbox().write(List.of(commit, to(payload(2, 10), bob.device())), List.of(), decided -> {
            throw new IllegalStateException("shown");
        })).hasMessage("shown");
        assertThat(markers(store.mailbox().pending(bob.device(), 0, 10))).as("committed before it was shown").containsExactly(1, 2);
        assertThat(store.groups().state(group)).hasValueSatisfying(state -> assertThat(state.epoch()).isEqualTo(1));
    }

    /** A killed process may have shown copies of a batch it never committed: a restart numbers above them. */
    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aRestartNumbersAboveAnyBatchThatWasShownButNotCommitted(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        long last = store.mailbox().enqueue(to(payload(1, 10), bob.device())).get(0).id();
        long next = harness.restart().mailbox().enqueue(to(payload(2, 10), bob.device(), carol.device())).get(1).id();
        assertThat(next).as("carol's first id, above what bob's mailbox could have shown").isGreaterThan(last + JdbcMailboxStore.RESTART_GAP);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void acknowledgementsAloneStillDelete(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        List<Envelope> stored = store.mailbox().enqueue(List.of(to(payload(1, 10), bob.device()), to(payload(2, 10), bob.device())))
                .stream().flatMap(outcome -> ((DeliveryOutcome.Stored) outcome).envelopes().stream()).toList();
        assertThat(store.mailbox().write(List.of(), List.of(new Acknowledgement(bob.device(), List.of(stored.get(0).id())))).deleted())
                .isEqualTo(1);
        assertThat(markers(store.mailbox().pending(bob.device(), 0, 10))).containsExactly(2);
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(new MailboxUsage(1, 10));
        assertThat(markers(harness.restart().mailbox().pending(bob.device(), 0, 10))).containsExactly(2);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void idsAreNeverReusedAfterDeletion(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        long first = store.mailbox().enqueue(to(payload(1, 1), bob.device())).get(0).id();
        store.mailbox().acknowledge(bob.device(), List.of(first));
        harness.restart();
        long second = harness.store().mailbox().enqueue(to(payload(2, 1), bob.device())).get(0).id();
        assertThat(second).isGreaterThan(first);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void mailExpiresAfterTheRetentionPeriod(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        store.mailbox().enqueue(to(payload(1, 10), bob.device()));
        harness.clock.advance(Duration.ofDays(20));
        store.mailbox().enqueue(to(payload(2, 20), bob.device()));
        harness.clock.advance(Duration.ofDays(10));
        assertThat(store.mailbox().deleteExpired()).as("exactly 30 days is not older").isZero();
        harness.clock.advance(Duration.ofHours(1));
        assertThat(store.mailbox().deleteExpired()).as("gone once its arrival hour is over 30 days ago").isEqualTo(1);
        assertThat(markers(store.mailbox().pending(bob.device(), 0, 10))).containsExactly(2);
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(new MailboxUsage(1, 20));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void expiryWorksThroughLargeBacklogs(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        List<Delivery> batch = new ArrayList<>();
        for (int i = 0; i < JdbcMailboxStore.CHUNK * 2 + 7; i++) {
            batch.add(to(payload(i, 3), bob.device()));
        }
        store.mailbox().enqueue(batch);
        harness.clock.advance(Duration.ofDays(31));
        assertThat(store.mailbox().deleteExpired()).isEqualTo(batch.size());
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(MailboxUsage.EMPTY);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void usageIsReportedPerDeviceAndPerAccount(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        var laptop = store.accounts().addDevice(bob.account(), new byte[32], mailboxKey());
        store.mailbox().enqueue(to(payload(1, 100), bob.device(), laptop.id()));
        store.mailbox().enqueue(to(payload(2, 5), laptop.id()));
        assertThat(store.mailbox().usage(bob.device())).isEqualTo(new MailboxUsage(1, 100));
        assertThat(store.mailbox().usage(laptop.id())).isEqualTo(new MailboxUsage(2, 105));
        assertThat(store.mailbox().usage(bob.account())).isEqualTo(new MailboxUsage(3, 205));
        assertThat(store.mailbox().usage(DeviceId.random())).isEqualTo(MailboxUsage.EMPTY);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void concurrentSendsAndAcknowledgementsKeepTheQuotaExact(Backend backend) throws Exception {
        ServerStores store = open(backend, config -> config.withMailboxLimits(new MailboxLimits(50, 1 << 30, Duration.ofDays(30))));
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<int[]>> senders = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                senders.add(() -> {
                    int stored = 0;
                    int full = 0;
                    for (int i = 0; i < 20; i++) {
                        List<DeliveryOutcome> outcomes = store.mailbox().enqueue(List.of(
                                to(payload(1, 7), bob.device(), carol.device()), to(payload(2, 3), bob.device())));
                        for (DeliveryOutcome outcome : outcomes) {
                            if (outcome instanceof DeliveryOutcome.Stored) {
                                stored++;
                            } else {
                                full++;
                            }
                        }
                        List<Long> ids = store.mailbox().pending(carol.device(), 0, 5).stream().map(Envelope::id).toList();
                        store.mailbox().acknowledge(carol.device(), ids);
                    }
                    return new int[] {stored, full};
                });
            }
            for (Future<int[]> result : pool.invokeAll(senders)) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
        for (DeviceId device : List.of(bob.device(), carol.device())) {
            List<Envelope> pending = store.mailbox().pending(device, 0, 1000);
            long bytes = pending.stream().mapToLong(envelope -> envelope.payload().size()).sum();
            assertThat(store.mailbox().usage(device)).isEqualTo(new MailboxUsage(pending.size(), bytes));
            assertThat(pending.size()).isLessThanOrEqualTo(50);
        }
        assertThat(store.mailbox().pending(bob.device(), 0, 1000)).hasSize(50);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void acknowledgedSendsAreVisibleToAnotherStoreOnTheSameDatabase(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        List<Envelope> stored = store.mailbox().enqueue(to(payload(7, 1000), bob.device()));
        // A second process (a restarted server after kill -9) opening the same database while
        // this one still holds its connections and never closed cleanly.
        try (ServerStores other = harness.openAnother()) {
            List<Envelope> seen = other.mailbox().pending(bob.device(), 0, 10);
            assertThat(seen).extracting(Envelope::id).containsExactly(stored.get(0).id());
            assertThat(seen.get(0).payload()).isEqualTo(ByteString.copyFrom(payload(7, 1000)));
        }
    }
}
