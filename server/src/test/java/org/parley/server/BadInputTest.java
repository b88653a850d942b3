package org.parley.server;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Hostile and broken clients get error frames, are cut off when they persist, and disturb no one else. */
class BadInputTest extends ServerTestBase {

    private static ErrorCode errorAfter(TestClient client, Runnable send) throws Exception {
        send.run();
        return client.awaitFrame(ServerFrame::hasError).getError().getCode();
    }

    @Test
    void malformedTruncatedOversizedAndTextFramesGetErrorFramesAndOthersKeepWorking() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient rogue = connect();

        assertThat(errorAfter(rogue, () -> rogue.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))).isEqualTo(ErrorCode.MALFORMED_FRAME);
        byte[] valid = ClientFrame.newBuilder().setRequestId(1).setRegister(Register.newBuilder()
                .setUsername("rogue").setIdentityKey(ByteString.copyFrom(new byte[32]))).build().toByteArray();
        ServerFrame truncated = sendAndAwaitError(rogue, Arrays.copyOf(valid, valid.length - 5));
        assertThat(truncated.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_FRAME);
        assertThat(truncated.getError().getMessage()).contains("is not a parley.v1.ClientFrame");
        ServerFrame oversized = sendAndAwaitError(rogue, new byte[Limits.MAX_CLIENT_FRAME_BYTES + 1]);
        assertThat(oversized.getError().getCode()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
        assertThat(errorAfter(rogue, () -> rogue.sendText("hello"))).isEqualTo(ErrorCode.UNSUPPORTED);
        assertThat(rogue.request(ClientFrame.newBuilder()).getError().getCode()).isEqualTo(ErrorCode.MALFORMED_FRAME);
        assertThat(rogue.isOpen()).isTrue();
        // Not UTF-8 at all, on a connection of its own (the one above is at its limit of violations): refused as any
        // text frame is, since the server spends no validator on text it never takes.
        TestClient notUtf8 = connect();
        assertThat(errorAfter(notUtf8, () -> notUtf8.sendTextBytes(new byte[] {(byte) 0xc3, 0x28, (byte) 0xff}))).isEqualTo(ErrorCode.UNSUPPORTED);
        assertThat(notUtf8.isOpen()).isTrue();

        // Meanwhile the others talk normally.
        assertThat(alice.request(send(new byte[] {1, 2, 3}, recipient(bob))).hasSendAccepted()).isTrue();
        assertThat(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toByteArray()).containsExactly(1, 2, 3);
    }

    private static ServerFrame sendAndAwaitError(TestClient client, byte[] bytes) throws Exception {
        client.sendRaw(bytes);
        return client.awaitFrame(ServerFrame::hasError);
    }

    @Test
    void outOfOrderFramesAreRefused() throws Exception {
        start(Backend.SQLITE);
        TestClient bob = registered("bob");
        TestClient early = connect();
        ServerFrame sendBeforeAuth = early.request(send(new byte[] {1}, recipient(bob)));
        assertThat(sendBeforeAuth.getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(sendBeforeAuth.getError().getMessage()).contains("signed-in connection");
        assertThat(early.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance())).hasPong()).isTrue();
        assertThat(bob.register("bob2", randomBytes(32), null).getError().getCode()).isEqualTo(ErrorCode.ALREADY_AUTHENTICATED);
    }

    @Test
    void aClientThatKeepsViolatingIsDisconnected() throws Exception {
        start(Backend.SQLITE);
        TestClient rogue = connect();
        for (int i = 0; i < 6; i++) {
            rogue.sendRaw(new byte[] {(byte) 0xff});
        }
        assertThat(rogue.awaitClosed()).isEqualTo(1008);
        assertThat(connect().request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance())).hasPong()).isTrue();
    }

    @Test
    void framesAboveTheHardCapCloseTheConnection() throws Exception {
        start(Backend.SQLITE);
        TestClient rogue = connect();
        rogue.sendRaw(new byte[ServerPipeline.HARD_FRAME_LIMIT + 1]);
        assertThat(rogue.awaitClosed()).isEqualTo(1009);
    }

    @Test
    void idleConnectionsAreClosedAndOnesThatKeepSendingStayOpen() throws Exception {
        Duration idleTimeout = Duration.ofMillis(300);
        start(Backend.SQLITE, config -> config.withLimits(new ServerConfig.Limits(idleTimeout,
                Duration.ofSeconds(30), Duration.ofSeconds(10), 5, 1000, 1000, 1000, 1000, 100)), store -> store);
        TestClient idle = connect();
        TestClient talking = connect();
        long start = System.nanoTime();
        // A ping every third of the timeout, for five timeouts: never silent for one.
        while (System.nanoTime() - start < 5 * idleTimeout.toNanos()) {
            assertThat(talking.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance())).hasPong()).isTrue();
            Thread.sleep(idleTimeout.toMillis() / 3);
        }
        assertThat(idle.isOpen()).isFalse();
        assertThat(idle.awaitClosed()).isNotZero();
        assertThat(talking.isOpen()).isTrue();
        assertThat(talking.awaitClosed()).isNotZero(); // once it falls silent too
    }

    @Test
    void aConnectionThatStopsReadingIsClosedAndItsMailWaits() throws Exception {
        start(Backend.SQLITE, config -> config.withLimits(new ServerConfig.Limits(Duration.ofSeconds(60),
                Duration.ofMillis(500), Duration.ofSeconds(10), 5, 1000, 1000, 1000, 1000, 100)), store -> store);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        bob.stopReading();
        for (int i = 0; i < 120; i++) { // 30 MiB: more than the socket buffers and the server's high-water mark
            assertThat(alice.request(send(new byte[256 * 1024], recipient(bob))).hasSendAccepted()).isTrue();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (server.metrics().openConnections() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(server.metrics().openConnections()).as("only Alice stays connected").isEqualTo(1);
        assertThat(harness.store().mailbox().usage(org.parley.server.accounts.DeviceId.of(bob.deviceId)).messages()).isEqualTo(120);
    }

    @Test
    void perConnectionFrameRateIsLimited() throws Exception {
        start(Backend.SQLITE, config -> config.withLimits(new ServerConfig.Limits(Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(10), 100, 1, 3, 1000, 1000, 100)), store -> store);
        TestClient chatty = connect();
        for (int i = 0; i < 10; i++) {
            chatty.send(ClientFrame.newBuilder().setRequestId(100 + i).setPing(Ping.getDefaultInstance()).build());
        }
        var error = chatty.awaitFrame(ServerFrame::hasError).getError();
        assertThat(error.getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        // One frame a second: the next is taken within a second, and the client is told so.
        assertThat(error.getRetryAfterMs()).isBetween(1L, 1000L);
        assertThat(error.getMessage()).contains("send again in");
    }

    @Test
    void perAccountSendRateIsLimited() throws Exception {
        start(Backend.SQLITE, config -> config.withLimits(new ServerConfig.Limits(Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(10), 100, 1000, 1000, 1, 2, 100)), store -> store);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        ErrorCode third = null;
        for (int i = 0; i < 3 && third == null; i++) {
            ServerFrame answer = alice.request(send(new byte[] {1}, recipient(bob)));
            third = answer.hasError() ? answer.getError().getCode() : null;
        }
        assertThat(third).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(alice.request(ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance())).hasDeviceList()).isTrue();
    }
}
