package org.parley.server.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.Registration;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.DeliveryOutcome;
import org.parley.server.mailbox.MailboxFullException;
import org.parley.server.mailbox.MailboxLimits;
import org.parley.server.mailbox.MailboxUsage;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.storage.Secrets;
import org.parley.server.storage.StoreRejectedException;
import org.parley.server.testing.Backend;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.StoreContract;

/** Commit ordering and commit keys, written with the commit's fan-out through the mailbox's transaction. */
class GroupStoreContractTest extends StoreContract {
    private static final byte[] PAYLOAD = {42};

    /** Stores {@code commit} with a fan-out of one copy for each of {@code recipients}. */
    private static DeliveryOutcome write(ServerStores store, GroupCommit commit, DeviceId... recipients) {
        List<NewEnvelope> copies = new ArrayList<>();
        for (DeviceId recipient : recipients) {
            copies.add(new NewEnvelope(recipient, ByteString.copyFrom(PAYLOAD)));
        }
        return store.mailbox().enqueue(List.of(new Delivery(copies, store.groups().commit(commit)))).get(0);
    }

    private static StoreRejectedException refusal(DeliveryOutcome outcome) {
        assertThat(outcome).isInstanceOf(DeliveryOutcome.Rejected.class);
        return ((DeliveryOutcome.Rejected) outcome).reason();
    }

    private static CommitId id(int n) {
        return CommitId.of(new byte[] {(byte) n});
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void onlyTheCurrentEpochsKeyAdvancesTheGroupAndOnlyOnce(Backend backend) {
        ServerStores store = open(backend);
        Registration bob = register(store, "bob");
        RoutingId group = RoutingId.of(Secrets.random(32));
        EpochKey epoch1 = EpochKey.random();
        EpochKey epoch2 = EpochKey.random();
        EpochKey epoch3 = EpochKey.random();
        EpochKey outsider = EpochKey.random();

        // The first commit creates the group unsigned and registers epoch 1's key.
        assertThat(write(store, EpochKey.commit(group, 0, id(1), PAYLOAD, null, epoch1), bob.device()))
                .isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(store.groups().state(group)).contains(new GroupState(group, 1, id(1), epoch1.publicKey()));

        // Unsigned, signed by a stranger, or signed by the right key over other fields: refused, nothing changes.
        assertThat(refusal(write(store, EpochKey.commit(group, 1, id(2), PAYLOAD, null, outsider), bob.device())))
                .isInstanceOf(UnauthorisedCommitException.class).hasMessageContaining("only members");
        assertThat(refusal(write(store, EpochKey.commit(group, 1, id(2), PAYLOAD, outsider, outsider), bob.device())))
                .isInstanceOf(UnauthorisedCommitException.class);
        GroupCommit honest = EpochKey.commit(group, 1, id(2), PAYLOAD, epoch1, epoch2);
        GroupCommit swappedKey = new GroupCommit(group, 1, id(2), outsider.publicKey(), honest.signedContent(), honest.signature());
        GroupCommit otherContent = new GroupCommit(group, 1, id(2), epoch2.publicKey(),
                ByteString.copyFrom(EpochKey.signedContent(group.bytes(), 1, new byte[] {1}, new byte[0], epoch2)), honest.signature());
        assertThat(refusal(write(store, otherContent, bob.device()))).isInstanceOf(UnauthorisedCommitException.class);
        assertThat(store.groups().state(group)).contains(new GroupState(group, 1, id(1), epoch1.publicKey()));
        assertThat(store.mailbox().usage(bob.device()).messages()).as("only the first commit's copy").isEqualTo(1);

        // A valid chain of three commits, each signed by the key the one before registered.
        assertThat(write(store, honest, bob.device())).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(write(store, EpochKey.commit(group, 2, id(3), PAYLOAD, epoch2, epoch3), bob.device()))
                .isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(store.groups().state(group)).contains(new GroupState(group, 3, id(3), epoch3.publicKey()));

        // Replays: the old commit itself is stale; a new commit signed with the previous epoch's key is refused.
        StaleEpochException stale = (StaleEpochException) refusal(write(store, honest, bob.device()));
        assertThat(stale.current()).isEqualTo(new GroupState(group, 3, id(3), epoch3.publicKey()));
        assertThat(refusal(write(store, EpochKey.commit(group, 3, id(4), PAYLOAD, epoch2, outsider), bob.device())))
                .isInstanceOf(UnauthorisedCommitException.class);
        assertThat(refusal(write(store, swappedKey, bob.device()))).isInstanceOf(StaleEpochException.class);
        // A check made before the transaction against an older key counts for nothing: verified again, refused.
        GroupCommit checkedAgainstAnOldKey = EpochKey.commit(group, 3, id(4), PAYLOAD, epoch2, outsider)
                .verifiedAgainst(epoch2.publicKey());
        assertThat(refusal(write(store, checkedAgainstAnOldKey, bob.device()))).isInstanceOf(UnauthorisedCommitException.class);
        assertThat(store.groups().state(group).orElseThrow().epoch()).isEqualTo(3);
        assertThat(store.mailbox().usage(bob.device()).messages()).isEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void badValuesAreRejected(Backend backend) {
        open(backend);
        RoutingId group = RoutingId.of(new byte[16]);
        assertThatThrownBy(() -> RoutingId.of(new byte[15])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RoutingId.of(new byte[65])).isInstanceOf(IllegalArgumentException.class);
        assertThat(RoutingId.of(new byte[64]).bytes()).hasSize(64);
        assertThatThrownBy(() -> CommitId.of(new byte[65])).isInstanceOf(IllegalArgumentException.class);
        ByteString key = EpochKey.random().publicKey();
        assertThatThrownBy(() -> new GroupCommit(group, Long.MIN_VALUE, id(1), key, ByteString.EMPTY, ByteString.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9223372036854775808");
        assertThatThrownBy(() -> new GroupCommit(group, Long.MAX_VALUE, id(1), key, ByteString.EMPTY, ByteString.EMPTY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GroupCommit(group, 0, id(1), key.substring(1), ByteString.EMPTY, ByteString.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 31");
        assertThatThrownBy(() -> new GroupCommit(group, 0, id(1), key, ByteString.EMPTY, ByteString.copyFrom(new byte[65536])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 65536");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aCommitWhoseFanOutIsRefusedChangesNothingAndSparesTheRestOfTheBatch(Backend backend) {
        ServerStores store = open(backend, config -> config.withMailboxLimits(new MailboxLimits(2, 1 << 20, Duration.ofDays(30))));
        Registration bob = register(store, "bob");
        Registration carol = register(store, "carol");
        Registration dave = register(store, "dave");
        RoutingId group = RoutingId.of(Secrets.random(16));
        EpochKey epoch1 = EpochKey.random();
        assertThat(write(store, EpochKey.commit(group, 0, id(1), PAYLOAD, null, epoch1), bob.device()))
                .isInstanceOf(DeliveryOutcome.Stored.class);
        store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(bob.device(), ByteString.copyFrom(PAYLOAD)))));

        // Bob's mailbox is full: the commit, its Welcome for carol and its copy for dave are all refused.
        EpochKey epoch2 = EpochKey.random();
        GroupCommit commit = EpochKey.commit(group, 1, id(2), PAYLOAD, epoch1, epoch2);
        Delivery fanOut = new Delivery(List.of(new NewEnvelope(carol.device(), ByteString.copyFrom(new byte[] {7})),
                new NewEnvelope(dave.device(), ByteString.copyFrom(PAYLOAD)),
                new NewEnvelope(bob.device(), ByteString.copyFrom(PAYLOAD))), store.groups().commit(commit));
        Delivery plainSend = new Delivery(List.of(new NewEnvelope(dave.device(), ByteString.copyFrom(new byte[] {1}))));
        List<DeliveryOutcome> batch = store.mailbox().enqueue(List.of(fanOut, plainSend));
        assertThat(refusal(batch.get(0))).isInstanceOf(MailboxFullException.class);
        assertThat(batch.get(1)).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(store.groups().state(group)).contains(new GroupState(group, 1, id(1), epoch1.publicKey()));
        assertThat(store.mailbox().usage(carol.device())).as("no Welcome").isEqualTo(MailboxUsage.EMPTY);
        assertThat(store.mailbox().usage(dave.device()).messages()).as("only the plain send").isEqualTo(1);
        assertThat(store.mailbox().usage(bob.device()).messages()).isEqualTo(2);

        // A stale commit in the same batch as a winning one does not fail the winner either.
        store.mailbox().acknowledge(bob.device(), store.mailbox().pending(bob.device(), 0, 10).stream().map(e -> e.id()).toList());
        GroupCommit rival = EpochKey.commit(group, 1, id(3), PAYLOAD, epoch1, EpochKey.random());
        List<DeliveryOutcome> race = store.mailbox().enqueue(List.of(
                new Delivery(List.of(new NewEnvelope(bob.device(), ByteString.copyFrom(PAYLOAD))), store.groups().commit(commit)),
                new Delivery(List.of(new NewEnvelope(dave.device(), ByteString.copyFrom(PAYLOAD))), store.groups().commit(rival))));
        assertThat(race.get(0)).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(((StaleEpochException) refusal(race.get(1))).current()).isEqualTo(new GroupState(group, 2, id(2), epoch2.publicKey()));
        assertThat(store.mailbox().usage(dave.device()).messages()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aGroupUnusedForTheRetentionPeriodIsForgottenAndResumesWithItsNextCommit(Backend backend) {
        ServerStores store = open(backend);
        RoutingId quiet = RoutingId.of(Secrets.random(32));
        RoutingId busy = RoutingId.of(Secrets.random(32));
        EpochKey quietKey = EpochKey.random();
        EpochKey busyKey = EpochKey.random();
        assertThat(write(store, EpochKey.commit(quiet, 0, id(1), PAYLOAD, null, quietKey))).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(write(store, EpochKey.commit(busy, 0, id(1), PAYLOAD, null, busyKey))).isInstanceOf(DeliveryOutcome.Stored.class);
        harness.clock.advance(Duration.ofDays(20));
        EpochKey busyNext = EpochKey.random();
        assertThat(write(store, EpochKey.commit(busy, 1, id(2), PAYLOAD, busyKey, busyNext))).isInstanceOf(DeliveryOutcome.Stored.class);
        harness.clock.advance(Duration.ofDays(10));
        assertThat(store.groups().deleteUnused(30)).as("30 days is not more than 30").isZero();
        harness.clock.advance(Duration.ofDays(1));
        assertThat(store.groups().deleteUnused(30)).isEqualTo(1);
        assertThat(store.groups().state(quiet)).isEmpty();
        assertThat(store.groups().state(busy)).contains(new GroupState(busy, 2, id(2), busyNext.publicKey()));

        // The members of the forgotten group go on at their epoch: the next commit records it again,
        // unsigned as a first commit, and from then on the chain of keys holds.
        EpochKey epoch8 = EpochKey.random();
        assertThat(write(store, EpochKey.commit(quiet, 7, id(8), PAYLOAD, null, epoch8))).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(store.groups().state(quiet)).contains(new GroupState(quiet, 8, id(8), epoch8.publicKey()));
        assertThat(refusal(write(store, EpochKey.commit(quiet, 8, id(9), PAYLOAD, null, EpochKey.random()))))
                .isInstanceOf(UnauthorisedCommitException.class);
        assertThat(write(store, EpochKey.commit(quiet, 8, id(9), PAYLOAD, epoch8, EpochKey.random()))).isInstanceOf(DeliveryOutcome.Stored.class);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void concurrentCommitsForOneEpochHaveExactlyOneWinnerAndOnlyItsCopiesAreStored(Backend backend) throws Exception {
        ServerStores store = open(backend);
        ServerStores otherNode = harness.openAnother();
        int committers = 8;
        List<Registration> recipients = new ArrayList<>();
        for (int c = 0; c < committers; c++) {
            recipients.add(register(store, "member" + c));
        }
        RoutingId group = RoutingId.of(Secrets.random(16));
        EpochKey current = null;
        ExecutorService pool = Executors.newFixedThreadPool(committers);
        try {
            for (long epoch = 0; epoch < 5; epoch++) {
                long proposed = epoch;
                CountDownLatch start = new CountDownLatch(1);
                List<EpochKey> nextKeys = new ArrayList<>();
                List<Callable<DeliveryOutcome>> attempts = new ArrayList<>();
                for (int c = 0; c < committers; c++) {
                    EpochKey next = EpochKey.random();
                    nextKeys.add(next);
                    GroupCommit commit = EpochKey.commit(group, proposed, CommitId.of(new byte[] {(byte) proposed, (byte) c}), PAYLOAD,
                            current, next);
                    ServerStores node = c % 2 == 0 ? store : otherNode;
                    DeviceId recipient = recipients.get(c).device();
                    attempts.add(() -> {
                        start.await();
                        return write(node, commit, recipient);
                    });
                }
                List<Future<DeliveryOutcome>> results = new ArrayList<>();
                attempts.forEach(attempt -> results.add(pool.submit(attempt)));
                start.countDown();
                int winner = -1;
                List<GroupState> seenByLosers = new ArrayList<>();
                for (int c = 0; c < committers; c++) {
                    DeliveryOutcome outcome = results.get(c).get();
                    if (outcome instanceof DeliveryOutcome.Stored) {
                        assertThat(winner).as("a second winner").isEqualTo(-1);
                        winner = c;
                    } else {
                        seenByLosers.add(((StaleEpochException) refusal(outcome)).current());
                    }
                }
                assertThat(winner).isNotNegative();
                GroupState now = store.groups().state(group).orElseThrow();
                assertThat(now).isEqualTo(new GroupState(group, epoch + 1, CommitId.of(new byte[] {(byte) proposed, (byte) winner}),
                        nextKeys.get(winner).publicKey()));
                assertThat(seenByLosers).hasSize(committers - 1).allMatch(now::equals);
                for (int c = 0; c < committers; c++) {
                    DeviceId recipient = recipients.get(c).device();
                    assertThat(store.mailbox().pending(recipient, 0, 100)).as("copies for member %d", c)
                            .hasSize(c == winner ? 1 : 0);
                    store.mailbox().acknowledge(recipient, store.mailbox().pending(recipient, 0, 100).stream().map(e -> e.id()).toList());
                }
                current = nextKeys.get(winner);
            }
        } finally {
            pool.shutdownNow();
            otherNode.close();
        }
    }
}
