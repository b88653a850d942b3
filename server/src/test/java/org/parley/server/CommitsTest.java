package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CommitResult;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.parley.server.accounts.DeviceId;
import org.parley.server.groups.RoutingId;
import org.parley.server.groups.GroupState;
import org.parley.server.mailbox.MailboxLimits;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.mailbox.MailboxUsage;
import org.parley.server.testing.Backend;
import org.parley.server.testing.EpochKey;
import org.parley.server.testing.TestClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Commit ordering through the real server (RFC 9750 section 5.2, parley.proto SubmitCommit): only
 * a member of the current epoch, holding its commit key, changes a group; a commit is stored with
 * its Welcome and fan-out in one transaction and answered once, or nothing changes.
 */
class CommitsTest extends ServerTestBase {
    private static final Duration QUIET = Duration.ofMillis(300);

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A commit of {@code epoch} registering {@code next}, signed by {@code signer} (unsigned when
     * null), with an optional Welcome.
     */
    private static ClientFrame.Builder commit(byte[] group, long epoch, EpochKey signer, EpochKey next, Send welcome,
                                              RecipientAccount.Builder... to) {
        Send fanOut = send(text("commit for " + epoch), to).getSend();
        byte[] content = EpochKey.signedContent(group, epoch, fanOut.getPayload().toByteArray(),
                welcome == null ? new byte[0] : welcome.getPayload().toByteArray(), next);
        SubmitCommit.Builder commit = SubmitCommit.newBuilder().setRoutingId(ByteString.copyFrom(group)).setEpoch(epoch)
                .setSend(fanOut).setNextEpochKey(next.publicKey())
                .setSignature(signer == null ? ByteString.EMPTY : signer.sign(content));
        if (welcome != null) {
            commit.setWelcome(welcome);
        }
        return ClientFrame.newBuilder().setSubmitCommit(commit);
    }

    private static CommitResult accepted(TestClient client, ClientFrame.Builder commit) throws Exception {
        ServerFrame answer = client.request(commit);
        assertThat(answer.hasCommitResult()).as("answer %s", answer).isTrue();
        assertThat(answer.getCommitResult().getAccepted()).as("answer %s", answer).isTrue();
        return answer.getCommitResult();
    }

    private GroupState state(byte[] group) {
        return harness.store().groups().state(RoutingId.of(group)).orElseThrow();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void onlyAHolderOfTheCurrentEpochsKeyChangesTheGroup(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient mallory = registered("mallory");
        byte[] group = randomBytes(32);
        EpochKey epoch1 = EpochKey.random();
        EpochKey epoch2 = EpochKey.random();
        EpochKey epoch3 = EpochKey.random();

        CommitResult created = accepted(alice, commit(group, 0, null, epoch1, null, recipient(bob)));
        assertThat(created.getCurrentEpoch()).isEqualTo(1);
        assertThat(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("commit for 0");
        assertThat(alice.pollFrame(ServerFrame::hasSendAccepted, QUIET)).as("a commit is answered once").isNull();

        // Mallory knows the group id (it is in clear in every message) but no epoch key.
        EpochKey forged = EpochKey.random();
        for (ClientFrame.Builder attack : new ClientFrame.Builder[] {
                commit(group, 1, null, forged, null, recipient(bob)),
                commit(group, 1, forged, forged, null, recipient(bob))}) {
            ServerFrame refused = mallory.request(attack);
            assertThat(refused.getError().getCode()).as("%s", refused).isEqualTo(ErrorCode.ACCESS_DENIED);
            assertThat(refused.getError().getMessage()).contains("only members of the group's current epoch can change it");
        }
        assertThat(state(group).epoch()).isEqualTo(1);
        assertThat(state(group).commitKey()).isEqualTo(epoch1.publicKey());
        assertThat(bob.pollFrame(ServerFrame::hasDeliver, QUIET)).as("no copy of a refused commit").isNull();

        // A signature binds the payload: the right key's signature over another fan-out does not do.
        ClientFrame.Builder tampered = commit(group, 1, epoch1, epoch2, null, recipient(bob));
        tampered.getSubmitCommitBuilder().getSendBuilder().setPayload(ByteString.copyFrom(text("mallory's commit")));
        assertThat(mallory.request(tampered).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);

        // The chain: each commit signed by the key its predecessor registered.
        ClientFrame.Builder second = commit(group, 1, epoch1, epoch2, null, recipient(bob));
        assertThat(accepted(alice, second).getCurrentEpoch()).isEqualTo(2);
        assertThat(accepted(bob, commit(group, 2, epoch2, epoch3, null, recipient(alice))).getCurrentEpoch()).isEqualTo(3);

        // Replays: the old commit loses its epoch; the old key cannot sign for the current one.
        CommitResult replayed = mallory.request(second).getCommitResult();
        assertThat(replayed.getAccepted()).isFalse();
        assertThat(replayed.getCurrentEpoch()).isEqualTo(3);
        assertThat(mallory.request(commit(group, 3, epoch2, forged, null, recipient(bob))).getError().getCode())
                .isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(state(group).commitKey()).isEqualTo(epoch3.publicKey());
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void ofTwoCommitsForTheSameEpochOneWinsAndOnlyItsCopiesAreStored(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        byte[] group = randomBytes(32);
        EpochKey epoch1 = EpochKey.random();
        accepted(alice, commit(group, 0, null, epoch1, null, recipient(bob)));
        bob.awaitFrame(ServerFrame::hasDeliver);

        EpochKey ofAlice = EpochKey.random();
        EpochKey ofBob = EpochKey.random();
        ClientFrame.Builder fromAlice = commit(group, 1, epoch1, ofAlice, null, recipient(bob));
        ClientFrame.Builder fromBob = commit(group, 1, epoch1, ofBob, null, recipient(alice));
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<ServerFrame> aliceAnswer = new AtomicReference<>();
        AtomicReference<ServerFrame> bobAnswer = new AtomicReference<>();
        Thread a = new Thread(() -> aliceAnswer.set(requestAfter(go, alice, fromAlice)));
        Thread b = new Thread(() -> bobAnswer.set(requestAfter(go, bob, fromBob)));
        a.start();
        b.start();
        go.countDown();
        a.join();
        b.join();
        boolean aliceWon = aliceAnswer.get().getCommitResult().getAccepted();
        assertThat(bobAnswer.get().getCommitResult().getAccepted()).isNotEqualTo(aliceWon);
        CommitResult loser = (aliceWon ? bobAnswer : aliceAnswer).get().getCommitResult();
        ClientFrame.Builder winner = aliceWon ? fromAlice : fromBob;
        assertThat(loser.getCurrentEpoch()).isEqualTo(2);
        assertThat(loser.getWinningCommitId()).isEqualTo(winner.getSubmitCommit().getSend().getMessageId());
        assertThat(state(group).commitKey()).isEqualTo((aliceWon ? ofAlice : ofBob).publicKey());
        TestClient winnersRecipient = aliceWon ? bob : alice;
        TestClient losersRecipient = aliceWon ? alice : bob;
        assertThat(winnersRecipient.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("commit for 1");
        assertThat(losersRecipient.pollFrame(ServerFrame::hasDeliver, QUIET)).as("the loser's fan-out is not stored").isNull();

        // A group the server does not know (new, or forgotten after the retention period) is recorded
        // at the epoch of its next commit.
        byte[] forgotten = randomBytes(32);
        assertThat(accepted(alice, commit(forgotten, 5, null, EpochKey.random(), null, recipient(bob))).getCurrentEpoch()).isEqualTo(6);
        assertThat(state(forgotten).epoch()).isEqualTo(6);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aWelcomeIsStoredWithItsCommitAndOnlyWhenTheCommitWins(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient carol = registered("carol");
        byte[] group = randomBytes(32);
        EpochKey epoch1 = EpochKey.random();
        accepted(alice, commit(group, 0, null, epoch1, null, recipient(bob)));
        bob.awaitFrame(ServerFrame::hasDeliver);

        Send losingWelcome = send(text("welcome of a losing commit"), recipient(carol)).getSend();
        assertThat(bob.request(commit(group, 0, null, EpochKey.random(), losingWelcome, recipient(alice)))
                .getCommitResult().getAccepted()).isFalse();
        assertThat(alice.request(commit(group, 1, epoch1, EpochKey.random(), send(text("welcome to nobody")).getSend(), recipient(bob)))
                .getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);

        Send welcome = send(text("welcome for carol"), recipient(carol)).getSend();
        CommitResult won = accepted(alice, commit(group, 1, epoch1, EpochKey.random(), welcome, recipient(bob)));
        assertThat(won.getCurrentEpoch()).as("the malformed Welcome did not move the epoch").isEqualTo(2);
        assertThat(carol.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("welcome for carol");
        assertThat(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("commit for 1");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aCommitWhoseFanOutHitsAFullMailboxChangesNothing(Backend backend) throws Exception {
        start(backend, config -> config, store -> store.withMailboxLimits(
                new MailboxLimits(2, 16L * MailboxStore.MAX_PAYLOAD_BYTES, Duration.ofDays(30))));
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient carol = registered("carol");
        byte[] group = randomBytes(32);
        EpochKey epoch1 = EpochKey.random();
        accepted(alice, commit(group, 0, null, epoch1, null, recipient(bob)));
        bob.close();
        assertThat(alice.request(send(text("fills bob's mailbox"), recipient(bob))).hasSendAccepted()).isTrue();

        Send welcome = send(text("welcome for carol"), recipient(carol)).getSend();
        ServerFrame refused = alice.request(commit(group, 1, epoch1, EpochKey.random(), welcome, recipient(bob)));
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.MAILBOX_FULL);
        assertThat(refused.getError().getMessage()).contains("full").contains("did not change");
        assertThat(refused.getError().getRetryAfterMs()).as("a full mailbox says when to ask again").isEqualTo(60_000);
        assertThat(state(group).epoch()).isEqualTo(1);
        assertThat(state(group).commitKey()).isEqualTo(epoch1.publicKey());
        assertThat(harness.store().mailbox().usage(DeviceId.of(carol.deviceId))).as("no Welcome").isEqualTo(MailboxUsage.EMPTY);
        assertThat(harness.store().mailbox().usage(DeviceId.of(bob.deviceId)).messages()).isEqualTo(2);
        assertThat(carol.pollFrame(ServerFrame::hasDeliver, QUIET)).isNull();
        // Nothing changed, so the same epoch can be committed again without bob.
        assertThat(accepted(alice, commit(group, 1, epoch1, EpochKey.random(), welcome, recipient(carol))).getCurrentEpoch()).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void unknownDevicesAreSkippedAndNamedInsteadOfFailingTheCommit(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        byte[] ghost = randomBytes(16);
        byte[] group = randomBytes(32);
        RecipientAccount.Builder bobAndAGhost = recipient(bob).addDeviceIds(ByteString.copyFrom(ghost));
        CommitResult result = accepted(alice, commit(group, 0, null, EpochKey.random(), null, bobAndAGhost));
        assertThat(result.getUnknownDeviceIdsList()).containsExactly(ByteString.copyFrom(ghost));
        assertThat(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo("commit for 0");

        // A member alone in its group commits with no recipient at all.
        byte[] lonely = randomBytes(32);
        ClientFrame.Builder alone = commit(lonely, 0, null, EpochKey.random(), null);
        assertThat(accepted(alice, alone).getUnknownDeviceIdsList()).isEmpty();
        assertThat(alice.request(alone).getCommitResult().getAccepted()).as("the epoch moved").isFalse();
        ClientFrame.Builder plain = ClientFrame.newBuilder().setSend(alone.getSubmitCommit().getSend());
        assertThat(alice.request(plain).getError().getCode()).as("a plain send needs a recipient").isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void hostileCommitFieldsAreRefusedAndChangeNothing(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        byte[] group = randomBytes(32);
        EpochKey epoch1 = EpochKey.random();
        accepted(alice, commit(group, 0, null, epoch1, null, recipient(bob)));

        ClientFrame.Builder shortKey = commit(group, 1, epoch1, EpochKey.random(), null, recipient(bob));
        shortKey.getSubmitCommitBuilder().setNextEpochKey(ByteString.copyFrom(randomBytes(31)));
        ClientFrame.Builder longKey = commit(group, 1, epoch1, EpochKey.random(), null, recipient(bob));
        longKey.getSubmitCommitBuilder().setNextEpochKey(ByteString.copyFrom(randomBytes(33)));
        ClientFrame.Builder hugeSignature = commit(group, 1, epoch1, EpochKey.random(), null, recipient(bob));
        hugeSignature.getSubmitCommitBuilder().setSignature(ByteString.copyFrom(randomBytes(64 * 1024)));
        ClientFrame.Builder epochTwoTo63 = commit(group, 1, epoch1, EpochKey.random(), null, recipient(bob));
        epochTwoTo63.getSubmitCommitBuilder().setEpoch(Long.MIN_VALUE); // uint64 2^63 on the wire
        ClientFrame.Builder lastEpoch = commit(group, 1, epoch1, EpochKey.random(), null, recipient(bob));
        lastEpoch.getSubmitCommitBuilder().setEpoch(Long.MAX_VALUE);
        String[] expected = {"next_epoch_key must be 32 bytes, got 31", "next_epoch_key must be 32 bytes, got 33",
            "signature must be 64 bytes, got 65536", "epoch 9223372036854775808 is out of range", "epoch 9223372036854775807 is out of range"};
        ClientFrame.Builder[] hostile = {shortKey, longKey, hugeSignature, epochTwoTo63, lastEpoch};
        for (int i = 0; i < hostile.length; i++) {
            ServerFrame answer = alice.request(hostile[i]);
            assertThat(answer.getError().getCode()).as("%s", answer).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(answer.getError().getMessage()).contains(expected[i]);
        }
        ClientFrame.Builder noKey = commit(group, 1, epoch1, EpochKey.random(), null, recipient(bob));
        noKey.getSubmitCommitBuilder().clearNextEpochKey();
        assertThat(bob.request(noKey).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(state(group).epoch()).isEqualTo(1);
        assertThat(bob.pollFrame(ServerFrame::hasDeliver, QUIET)).isNotNull(); // the creating commit's copy only
        assertThat(bob.pollFrame(ServerFrame::hasDeliver, QUIET)).isNull();
    }

    private static ServerFrame requestAfter(CountDownLatch go, TestClient client, ClientFrame.Builder frame) {
        try {
            go.await();
            return client.request(frame);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
