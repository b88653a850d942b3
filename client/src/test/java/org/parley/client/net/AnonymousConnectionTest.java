package org.parley.client.net;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;
import org.parley.protocol.v1.Authenticate;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ListDevices;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.RequestSendTokens;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.SetDeliveryPolicy;
import org.parley.protocol.v1.SubmitCommit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/** The connection that never signs in: opened on first use, reconnecting, and refusing whatever names an account. */
class AnonymousConnectionTest {
    @TempDir
    Path temp;
    private LiveServer server;
    private HostileServer relay;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<ClientFrame> frames = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        relay = new HostileServer(server.address());
        relay.onServerFrame((link, frame) -> {
            if (frame.hasChallenge()) {
                connections.incrementAndGet();
            }
            return false;
        });
        relay.onClientFrame((link, frame) -> frames.add(frame) && false);
    }

    @AfterEach
    void stop() {
        relay.close();
        server.close();
    }

    private static ClientFrame.Builder ping() {
        return ClientFrame.newBuilder().setPing(Ping.getDefaultInstance());
    }

    @Test
    void opensOnFirstUseAndReconnectsAfterADrop() throws Exception {
        try (AnonymousConnection anonymous = new AnonymousConnection(relay.address(), Duration.ofSeconds(10))) {
            Thread.sleep(200);
            assertThat(connections.get()).as("nothing is opened before the first request").isZero();
            assertThat(anonymous.isOpen()).isFalse();

            assertThat(anonymous.call(ping()).hasPong()).isTrue();
            assertThat(anonymous.isOpen()).isTrue();
            assertThat(anonymous.call(ping()).hasPong()).isTrue();
            assertThat(connections.get()).as("kept open between requests").isEqualTo(1);

            anonymous.dropConnection();
            eventually("a second connection", () -> {
                try {
                    return anonymous.call(ping()).hasPong() && connections.get() == 2;
                } catch (ConnectionException e) {
                    return false;
                }
            });
        }
        assertThat(frames).as("the anonymous connection never signs in").noneMatch(f -> f.hasAuthenticate() || f.hasRegister());
    }

    @Test
    void aServerThatCannotBeReachedFailsTheRequestAndTheNextOneTriesAgain() throws Exception {
        ServerAddress nowhere = new ServerAddress("127.0.0.1", 1, false);
        try (AnonymousConnection anonymous = new AnonymousConnection(nowhere, Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> anonymous.call(ping())).isInstanceOf(ConnectionException.class);
            assertThat(anonymous.isOpen()).isFalse();
            assertThatThrownBy(() -> anonymous.call(ping())).isInstanceOf(ConnectionException.class);
        }
        try (AnonymousConnection closed = new AnonymousConnection(relay.address(), Duration.ofSeconds(2))) {
            closed.close();
            assertThatThrownBy(() -> closed.call(ping())).isInstanceOf(ConnectionException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void refusesEveryFrameThatNamesAnAccountBeforeItLeaves() throws Exception {
        List<ClientFrame.Builder> accountBound = List.of(
                ClientFrame.newBuilder().setAuthenticate(Authenticate.newBuilder().setAccountId(ByteString.copyFrom(new byte[16]))),
                ClientFrame.newBuilder().setRegister(Register.newBuilder().setUsername("mallory")),
                ClientFrame.newBuilder().setRequestLink(RequestLink.getDefaultInstance()),
                ClientFrame.newBuilder().setListDevices(ListDevices.getDefaultInstance()),
                ClientFrame.newBuilder().setRequestSendTokens(RequestSendTokens.getDefaultInstance()),
                ClientFrame.newBuilder().setSetDeliveryPolicy(SetDeliveryPolicy.getDefaultInstance()),
                ClientFrame.newBuilder().setSend(Send.newBuilder().setSealed(false)),
                ClientFrame.newBuilder().setSubmitCommit(SubmitCommit.newBuilder().setSend(Send.newBuilder().setSealed(false))),
                ClientFrame.newBuilder());
        try (AnonymousConnection anonymous = new AnonymousConnection(relay.address(), Duration.ofSeconds(10))) {
            for (ClientFrame.Builder frame : accountBound) {
                assertThatThrownBy(() -> anonymous.call(frame)).as(frame.getBodyCase().name())
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> anonymous.exchange(frame, answers -> true)).isInstanceOf(IllegalArgumentException.class);
            }
            Thread.sleep(200);
            assertThat(frames).as("nothing was sent").isEmpty();
        }
    }
}
