package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CommitResult;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.parley.server.mailbox.MailboxLimits;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class MessagingTest extends ServerTestBase {

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Deliver d) {
        return d.getPayload().toStringUtf8();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void liveSendIsPushedWithItsSenderAndDeletedOnAck(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");

        ServerFrame accepted = alice.request(send(text("hello bob"), recipient(bob)));
        assertThat(accepted.hasSendAccepted()).as("%s", accepted).isTrue();

        Deliver pushed = bob.awaitFrame(ServerFrame::hasDeliver).getDeliver();
        assertThat(text(pushed)).isEqualTo("hello bob");
        assertThat(pushed.getSender().getDeviceId().toByteArray()).isEqualTo(alice.deviceId);
        assertThat(bob.request(ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(pushed.getEnvelopeId()))).hasOk()).isTrue();

        // A posted Ack (request_id 0) deletes too, and is answered only if it fails.
        assertThat(alice.request(send(text("second"), recipient(bob))).hasSendAccepted()).isTrue();
        Deliver second = bob.awaitFrame(ServerFrame::hasDeliver).getDeliver();
        bob.send(ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(second.getEnvelopeId())).build());
        org.parley.server.accounts.DeviceId bobDevice = org.parley.server.accounts.DeviceId.of(bob.deviceId);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (harness.store().mailbox().usage(bobDevice).messages() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(harness.store().mailbox().usage(bobDevice).messages()).isZero();
        assertThat(bob.pollFrame(ServerFrame::hasOk, Duration.ofMillis(500))).as("no answer to a posted Ack").isNull();

        // Acknowledged mail is gone: a new connection of Bob's device drains nothing.
        TestClient bobAgain = connect();
        bobAgain.authenticateAs(bob);
        bobAgain.awaitFrame(ServerFrame::hasMailboxDrained);
        assertThat(bobAgain.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(300))).isNull();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void offlineMailIsDrainedInOrderOnConnectAndAgainUntilAcknowledged(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        bob.close();
        for (int i = 0; i < 300; i++) { // more than one drain page
            assertThat(alice.request(send(text("m" + i), recipient(bob))).hasSendAccepted()).isTrue();
        }
        TestClient bobBack = connect();
        bobBack.authenticateAs(bob);
        List<Deliver> got = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            got.add(bobBack.awaitFrame(ServerFrame::hasDeliver).getDeliver());
        }
        assertThat(got).extracting(MessagingTest::text).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 300).mapToObj(i -> "m" + i).toList());
        assertThat(got).extracting(Deliver::getEnvelopeId).isSorted();
        bobBack.awaitFrame(ServerFrame::hasMailboxDrained);

        // Acknowledge the first 100 only; the next connection gets the other 200 again.
        Ack.Builder ack = Ack.newBuilder();
        got.subList(0, 100).forEach(d -> ack.addEnvelopeIds(d.getEnvelopeId()));
        assertThat(bobBack.request(ClientFrame.newBuilder().setAck(ack)).hasOk()).isTrue();
        bobBack.close();
        TestClient bobThird = connect();
        bobThird.authenticateAs(bob);
        assertThat(text(bobThird.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("m100");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aSendReachesEveryNamedDeviceOfSeveralAccounts(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient carol = registered("carol");
        assertThat(alice.request(send(text("group hi"), recipient(bob), recipient(carol))).hasSendAccepted()).isTrue();
        assertThat(text(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("group hi");
        assertThat(text(carol.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("group hi");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void sealedSendNeedsTheRecipientsAccessKeyAndCarriesNoSender(Backend backend) throws Exception {
        start(backend);
        byte[] bobsAccessKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsAccessKey);

        ClientFrame.Builder wrongKey = send(text("sealed?"), recipient(bob).setAccessKey(ByteString.copyFrom(randomBytes(32))));
        wrongKey.getSendBuilder().setSealed(true);
        assertThat(alice.request(wrongKey).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);

        ClientFrame.Builder noKey = send(text("sealed?"), recipient(bob));
        noKey.getSendBuilder().setSealed(true);
        assertThat(alice.request(noKey).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);

        ClientFrame.Builder rightKey = send(text("sealed!"), recipient(bob).setAccessKey(ByteString.copyFrom(bobsAccessKey)));
        rightKey.getSendBuilder().setSealed(true);
        assertThat(alice.request(rightKey).hasSendAccepted()).isTrue();

        Deliver pushed = bob.awaitFrame(ServerFrame::hasDeliver).getDeliver();
        assertThat(text(pushed)).isEqualTo("sealed!");
        assertThat(pushed.hasSender()).isFalse();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aFullMailboxIsAnErrorToTheSenderAndNothingIsStored(Backend backend) throws Exception {
        start(backend, config -> config, store -> store.withMailboxLimits(
                new MailboxLimits(3, 16L * MailboxStore.MAX_PAYLOAD_BYTES, Duration.ofDays(30))));
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient carol = registered("carol");
        bob.close();
        for (int i = 0; i < 3; i++) {
            assertThat(alice.request(send(text("fill" + i), recipient(bob))).hasSendAccepted()).isTrue();
        }
        ServerFrame refused = alice.request(send(text("one too many"), recipient(carol), recipient(bob)));
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.MAILBOX_FULL);
        assertThat(refused.getError().getMessage()).contains("full");
        // All or nothing: Carol did not get the refused send either.
        assertThat(carol.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(300))).isNull();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void payloadsOverTheLimitAndUnknownRecipientsAreRefused(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        ServerFrame tooBig = alice.request(send(new byte[256 * 1024 + 1], recipient(bob)));
        assertThat(tooBig.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(tooBig.getError().getMessage()).contains("262145 bytes");
        assertThat(alice.request(send(new byte[256 * 1024], recipient(bob))).hasSendAccepted()).isTrue();

        var ghost = org.parley.protocol.v1.RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(bob.accountId))
                .addDeviceIds(ByteString.copyFrom(randomBytes(16)));
        assertThat(alice.request(send(text("to nobody"), ghost)).getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void ofTwoCommitsForTheSameEpochOneWinsAndTheLoserLearnsTheWinner(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        byte[] group = randomBytes(32);
        ServerFrame created = alice.request(commit(group, 0, recipient(bob)));
        assertThat(created.getCommitResult().getAccepted()).isTrue();
        assertThat(created.getCommitResult().getCurrentEpoch()).isEqualTo(1);
        alice.awaitFrame(ServerFrame::hasSendAccepted);
        bob.awaitFrame(ServerFrame::hasDeliver);

        // Race: both commit for epoch 1 at once.
        ClientFrame.Builder fromAlice = commit(group, 1, recipient(bob));
        ClientFrame.Builder fromBob = commit(group, 1, recipient(alice));
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
        CommitResult ofAlice = aliceAnswer.get().getCommitResult();
        CommitResult ofBob = bobAnswer.get().getCommitResult();
        assertThat(ofAlice.getAccepted()).isNotEqualTo(ofBob.getAccepted());
        CommitResult loser = ofAlice.getAccepted() ? ofBob : ofAlice;
        ClientFrame.Builder winner = ofAlice.getAccepted() ? fromAlice : fromBob;
        assertThat(loser.getCurrentEpoch()).isEqualTo(2);
        assertThat(loser.getWinningCommitId()).isEqualTo(winner.getSubmitCommit().getSend().getMessageId());

        // A stale epoch keeps losing, and a commit for the current epoch wins.
        assertThat(alice.request(commit(group, 1, recipient(bob))).getCommitResult().getAccepted()).isFalse();
        assertThat(alice.request(commit(group, 2, recipient(bob))).getCommitResult().getCurrentEpoch()).isEqualTo(3);
        // An unknown group cannot start above epoch 0.
        assertThat(alice.request(commit(randomBytes(16), 5, recipient(bob))).getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aWelcomeIsStoredWithItsCommitAndOnlyWhenTheCommitWins(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient carol = registered("carol");
        byte[] group = randomBytes(32);
        assertThat(alice.request(commit(group, 0, recipient(bob))).getCommitResult().getAccepted()).isTrue();
        alice.awaitFrame(ServerFrame::hasSendAccepted);
        bob.awaitFrame(ServerFrame::hasDeliver);

        ClientFrame.Builder losing = commit(group, 0, recipient(alice));
        losing.getSubmitCommitBuilder().setWelcome(send(text("welcome of a losing commit"), recipient(carol)).getSend());
        assertThat(bob.request(losing).getCommitResult().getAccepted()).isFalse();

        ClientFrame.Builder malformed = commit(group, 1, recipient(bob));
        malformed.getSubmitCommitBuilder().setWelcome(send(text("welcome to nobody")).getSend());
        assertThat(alice.request(malformed).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);

        ClientFrame.Builder winning = commit(group, 1, recipient(bob));
        winning.getSubmitCommitBuilder().setWelcome(send(text("welcome for carol"), recipient(carol)).getSend());
        ServerFrame won = alice.request(winning);
        assertThat(won.getCommitResult().getAccepted()).as("the malformed Welcome did not move the epoch").isTrue();
        assertThat(won.getCommitResult().getCurrentEpoch()).isEqualTo(2);
        assertThat(text(carol.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("welcome for carol");
        assertThat(text(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("commit for 1");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aMemberAloneInItsGroupCommitsWithoutRecipientsButPlainSendsNeedOne(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        byte[] group = randomBytes(32);
        ClientFrame.Builder lone = ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder()
                .setGroupId(ByteString.copyFrom(group)).setEpoch(0)
                .setSend(ClientFrame.newBuilder().setSend(org.parley.protocol.v1.Send.newBuilder()
                        .setMessageId(ByteString.copyFrom(randomBytes(16))).setPayload(ByteString.copyFrom(text("first commit")))).getSend()));
        ServerFrame answer = alice.request(lone);
        assertThat(answer.getCommitResult().getAccepted()).as(answer.toString()).isTrue();
        assertThat(answer.getCommitResult().getCurrentEpoch()).isEqualTo(1);
        assertThat(alice.awaitFrame(ServerFrame::hasSendAccepted).getSendAccepted().getMessageId())
                .isEqualTo(lone.getSubmitCommit().getSend().getMessageId());
        // The epoch moved: the same commit for epoch 0 now loses.
        assertThat(alice.request(lone).getCommitResult().getAccepted()).isFalse();

        ClientFrame.Builder plain = ClientFrame.newBuilder().setSend(lone.getSubmitCommit().getSend());
        assertThat(alice.request(plain).getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    private static ClientFrame.Builder commit(byte[] group, long epoch, org.parley.protocol.v1.RecipientAccount.Builder to) {
        return ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder().setGroupId(ByteString.copyFrom(group))
                .setEpoch(epoch).setSend(send(text("commit for " + epoch), to).getSend()));
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
