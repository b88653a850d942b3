package org.parley.server.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.storage.Secrets;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

class GroupStoreContractTest extends StoreContract {

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aCommitIsAcceptedOnlyAtTheCurrentEpoch(Backend backend) {
        ServerStores store = open(backend);
        GroupId group = GroupId.of(Secrets.random(32));
        assertThat(store.groups().create(group, 0)).isTrue();
        assertThat(store.groups().create(group, 5)).isFalse();
        assertThat(store.groups().state(group)).contains(new GroupState(group, 0, null));

        CommitId first = CommitId.of(new byte[] {1});
        CommitId rival = CommitId.of(new byte[] {2});
        assertThat(store.groups().commit(group, 0, first)).isEqualTo(new CommitOutcome.Accepted(1));
        assertThat(store.groups().commit(group, 0, rival)).isEqualTo(new CommitOutcome.Rejected(new GroupState(group, 1, first)));

        CommitId next = CommitId.of(new byte[] {3});
        assertThat(store.groups().commit(group, 1, next)).isEqualTo(new CommitOutcome.Accepted(2));
        // A client two epochs behind learns the current epoch and its latest winner.
        assertThat(store.groups().commit(group, 0, rival)).isEqualTo(new CommitOutcome.Rejected(new GroupState(group, 2, next)));
        assertThat(store.groups().commit(group, 7, rival)).isEqualTo(new CommitOutcome.Rejected(new GroupState(group, 2, next)));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void unknownGroupsAndBadEpochsAreRejected(Backend backend) {
        ServerStores store = open(backend);
        GroupId group = GroupId.of(new byte[] {9});
        assertThatThrownBy(() -> store.groups().commit(group, 0, CommitId.of(new byte[] {1})))
                .isInstanceOf(UnknownGroupException.class);
        assertThat(store.groups().state(group)).isEmpty();
        assertThatThrownBy(() -> store.groups().create(group, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GroupId.of(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GroupId.of(new byte[256])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CommitId.of(new byte[65])).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void concurrentCommitsForOneEpochHaveExactlyOneWinner(Backend backend) throws Exception {
        ServerStores store = open(backend);
        GroupId group = GroupId.of(Secrets.random(16));
        store.groups().create(group, 0);
        int committers = 8;
        int epochs = 10;
        ExecutorService pool = Executors.newFixedThreadPool(committers);
        try {
            for (long epoch = 0; epoch < epochs; epoch++) {
                long proposed = epoch;
                CountDownLatch start = new CountDownLatch(1);
                List<Callable<CommitOutcome>> attempts = new ArrayList<>();
                for (int c = 0; c < committers; c++) {
                    CommitId commit = CommitId.of(new byte[] {(byte) epoch, (byte) c});
                    attempts.add(() -> {
                        start.await();
                        return store.groups().commit(group, proposed, commit);
                    });
                }
                List<Future<CommitOutcome>> results = new ArrayList<>();
                attempts.forEach(attempt -> results.add(pool.submit(attempt)));
                start.countDown();
                int accepted = 0;
                List<GroupState> seenByLosers = new ArrayList<>();
                for (Future<CommitOutcome> result : results) {
                    CommitOutcome outcome = result.get();
                    if (outcome instanceof CommitOutcome.Accepted) {
                        accepted++;
                    } else {
                        seenByLosers.add(((CommitOutcome.Rejected) outcome).current());
                    }
                }
                GroupState now = store.groups().state(group).orElseThrow();
                assertThat(accepted).isEqualTo(1);
                assertThat(now.epoch()).isEqualTo(epoch + 1);
                assertThat(seenByLosers).hasSize(committers - 1).allMatch(now::equals);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
