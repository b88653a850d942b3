package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.SendAccepted;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.DeviceId;
import org.parley.server.bus.InProcessBus;
import org.parley.server.bus.MailArrived;
import org.parley.server.mailbox.MailboxLimits;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.testing.Backend;
import org.parley.server.testing.ForwardingBus;
import org.parley.server.testing.TestClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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

        TestClient anonymous = anonymous();
        List<SendToken> tokens = sendTokens(alice, 3);

        ClientFrame.Builder wrongKey = sealed(send(text("sealed?"), recipient(bob).setAccessKey(ByteString.copyFrom(randomBytes(32)))), tokens.get(0));
        assertThat(anonymous.request(wrongKey).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);

        ClientFrame.Builder noKey = sealed(send(text("sealed?"), recipient(bob)), tokens.get(1));
        assertThat(anonymous.request(noKey).getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);

        // A refused send does not spend its token.
        ClientFrame.Builder rightKey = sealed(send(text("sealed!"), recipient(bob).setAccessKey(ByteString.copyFrom(bobsAccessKey))), tokens.get(0));
        assertThat(anonymous.request(rightKey).hasSendAccepted()).isTrue();

        Deliver pushed = bob.awaitFrame(ServerFrame::hasDeliver).getDeliver();
        assertThat(text(pushed)).isEqualTo("sealed!");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aSealedSendReachesOnlyDevicesOfTheAccountWhoseKeyItCarries(Backend backend) throws Exception {
        start(backend);
        byte[] bobsAccessKey = randomBytes(32);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob", bobsAccessKey);
        TestClient carol = registered("carol", randomBytes(32));

        // Bob's key lists carol's device under bob's account: the key authorises bob's devices only.
        TestClient anonymous = anonymous();
        List<SendToken> tokens = sendTokens(alice, 2);
        ClientFrame.Builder smuggled = sealed(send(text("sealed"), recipient(bob).setAccessKey(ByteString.copyFrom(bobsAccessKey))
                .addDeviceIds(ByteString.copyFrom(carol.deviceId))), tokens.get(0));
        assertThat(anonymous.request(smuggled).getSendAccepted().getUnknownDeviceIdsList()).containsExactly(ByteString.copyFrom(carol.deviceId));
        assertThat(text(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("sealed");
        assertThat(carol.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(300))).isNull();

        ClientFrame.Builder onlyCarol = send(text("sealed"), RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(bob.accountId))
                .setAccessKey(ByteString.copyFrom(bobsAccessKey)).addDeviceIds(ByteString.copyFrom(carol.deviceId)));
        sealed(onlyCarol, tokens.get(1));
        assertThat(anonymous.request(onlyCarol).getSendAccepted().getUnknownDeviceIdsList()).containsExactly(ByteString.copyFrom(carol.deviceId));
        assertThat(carol.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(300))).isNull();
        assertThat(harness.store().mailbox().usage(org.parley.server.accounts.DeviceId.of(carol.deviceId)).messages()).isZero();
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
        assertThat(refused.getError().getRetryAfterMs()).as("a full mailbox says when to ask again").isEqualTo(60_000);
        // All or nothing: Carol did not get the refused send either.
        assertThat(carol.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(300))).isNull();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void payloadsOverTheLimitAreRefusedAndUnknownDevicesSkippedAndNamed(Backend backend) throws Exception {
        start(backend);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        ServerFrame tooBig = alice.request(send(new byte[256 * 1024 + 1], recipient(bob)));
        assertThat(tooBig.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(tooBig.getError().getMessage()).contains("262145 bytes");
        assertThat(alice.request(send(new byte[256 * 1024], recipient(bob))).hasSendAccepted()).isTrue();
        bob.awaitFrame(ServerFrame::hasDeliver);

        // An unlinked device does not fail a send to the others; the sender learns which it was.
        ByteString ghost = ByteString.copyFrom(randomBytes(16));
        SendAccepted accepted = alice.request(send(text("to bob and a ghost"), recipient(bob).addDeviceIds(ghost))).getSendAccepted();
        assertThat(accepted.getUnknownDeviceIdsList()).containsExactly(ghost);
        assertThat(text(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver())).isEqualTo("to bob and a ghost");
        var onlyGhosts = RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(bob.accountId)).addDeviceIds(ghost);
        assertThat(alice.request(send(text("to nobody"), onlyGhosts)).getSendAccepted().getUnknownDeviceIdsList()).containsExactly(ghost);
        assertThat(bob.pollFrame(ServerFrame::hasDeliver, Duration.ofMillis(300))).isNull();
    }
    /**
     * The SQLite store announces a copy before its commit, so that connected devices get it while
     * the disk catches up. A device that reconnects in between subscribes too late to hear of the
     * copy, and its first drain runs before the commit: that drain must wait for the commit, or the
     * copy stays in the mailbox unseen until the device's next connection. The bus here keeps the
     * commit waiting (a slow fsync) until the reconnect is done.
     */
    @Test
    void aDeviceReconnectingWhileACopyForItIsCommittedGetsItOnTheNewConnection() throws Exception {
        CommitHoldingBus bus = new CommitHoldingBus();
        start(Backend.SQLITE, bus);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        bob.close();
        bus.holdAfterAnnouncing(DeviceId.of(bob.deviceId));
        ExecutorService sender = Executors.newSingleThreadExecutor();
        try {
            Future<ServerFrame> accepted = sender.submit(() -> alice.request(send(text("sent while bob reconnects"), recipient(bob))));
            bus.awaitHeld();
            TestClient bobBack = connect();
            bobBack.authenticateAs(bob);
            // Room for a first drain that does not wait for the commit to run ahead of it.
            bobBack.pollFrame(ServerFrame::hasMailboxDrained, Duration.ofSeconds(1));
            bus.release();
            assertThat(accepted.get(20, TimeUnit.SECONDS).hasSendAccepted()).isTrue();
            assertThat(text(bobBack.awaitFrame(ServerFrame::hasDeliver, Duration.ofSeconds(5)).getDeliver()))
                    .isEqualTo("sent while bob reconnects");
        } finally {
            bus.release();
            sender.shutdownNow();
        }
    }

    /**
     * The in-process bus, which can keep the mailbox writer inside its transaction after it
     * announced a copy for a chosen device: the window between a copy's announcement and its commit,
     * held open at will.
     */
    private static final class CommitHoldingBus extends ForwardingBus {
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile DeviceId holdFor;

        CommitHoldingBus() {
            super(new InProcessBus());
        }

        void holdAfterAnnouncing(DeviceId device) {
            holdFor = device;
        }

        void awaitHeld() throws InterruptedException {
            assertThat(held.await(20, TimeUnit.SECONDS)).as("the copy was announced").isTrue();
        }

        void release() {
            released.countDown();
        }

        @Override
        public void publish(MailArrived mail) {
            bus.publish(mail);
            if (mail.envelope().recipient().equals(holdFor)) {
                holdFor = null;
                held.countDown();
                try {
                    released.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            release();
            super.close();
        }
    }
}
