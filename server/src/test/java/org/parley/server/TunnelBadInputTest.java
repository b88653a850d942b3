package org.parley.server;

import org.junit.jupiter.api.Test;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;
import org.parley.server.testing.TunnelSocket;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a stranger (or a bridge) may send to the tunnel: each breaks only its own tunnel, closed
 * with 1002 (1009 for an oversized message, 1008 for one that never says what it carries), and a
 * tunnel and a WebSocket opened afterwards still work.
 */
class TunnelBadInputTest extends ServerTestBase {
    private static final int PROTOCOL_ERROR = 1002;
    private static final int POLICY_VIOLATION = 1008;
    private static final int MESSAGE_TOO_BIG = 1009;
    /** {@link TunnelSocket#awaitClosed()} for a connection that ended without a close. */
    private static final int ABORTED = -1;

    private TunnelSocket tunnel() throws Exception {
        return TunnelSocket.open(TunnelServerTest.tunnelUri(server));
    }

    /** A fresh tunnel opens a session, and a fresh WebSocket signs in and answers. */
    private void stillServes() throws Exception {
        try (TunnelSocket next = tunnel()) {
            assertThat(TunnelServerTest.challengeThrough(next, server.publicKey()).getServerKey().toByteArray())
                    .isEqualTo(server.publicKey());
        }
        TestClient direct = connect();
        assertThat(direct.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance())).hasPong()).isTrue();
    }

    /** A tunnel past its handshake. */
    private TunnelSocket established() throws Exception {
        TunnelSocket tunnel = tunnel();
        tunnel.handshake(server.publicKey());
        return tunnel;
    }

    @Test
    void messagesThatAreNoHelloCloseTheTunnel() throws Exception {
        start(Backend.SQLITE);
        byte[] lowOrder = new byte[Tunnel.CLIENT_HELLO_BYTES];
        lowOrder[0] = Tunnel.VERSION; // the all-zero share: X25519 with it gives zero
        byte[] otherVersion = new byte[Tunnel.CLIENT_HELLO_BYTES];
        otherVersion[0] = 2;
        otherVersion[1] = 9;
        for (byte[] hello : new byte[][] {randomBytes(50), new byte[Tunnel.CLIENT_HELLO_BYTES - 1], new byte[Tunnel.CLIENT_HELLO_BYTES + 1],
                lowOrder, otherVersion, new byte[0]}) {
            try (TunnelSocket tunnel = tunnel()) {
                tunnel.send(hello);
                assertThat(tunnel.awaitClosed()).as("a hello of %s bytes", hello.length).isEqualTo(PROTOCOL_ERROR);
            }
        }
        try (TunnelSocket tunnel = tunnel()) {
            tunnel.sendText("hello");
            assertThat(tunnel.awaitClosed()).isEqualTo(PROTOCOL_ERROR);
        }
        stillServes();
    }

    @Test
    void recordsTamperedWithReplayedOrOutOfPlaceCloseTheTunnel() throws Exception {
        start(Backend.SQLITE);
        try (TunnelSocket tunnel = established()) {
            byte[] tampered = tunnel.seal(Tunnel.OPEN_SESSION, new byte[0]);
            tampered[3] ^= 1;
            tunnel.send(tampered);
            assertThat(tunnel.awaitClosed()).as("tampered").isEqualTo(PROTOCOL_ERROR);
        }
        try (TunnelSocket tunnel = established()) {
            byte[] open = tunnel.seal(Tunnel.OPEN_SESSION, new byte[0]);
            tunnel.send(open);
            assertThat(ServerFrame.parseFrom(tunnel.receiveRecord().body()).hasChallenge()).isTrue();
            tunnel.send(open);
            assertThat(tunnel.awaitClosed()).as("replayed").isEqualTo(PROTOCOL_ERROR);
        }
        try (TunnelSocket tunnel = established()) {
            tunnel.sendRecord(Tunnel.OPEN_SESSION, new byte[0]);
            tunnel.receiveRecord();
            tunnel.sendRecord(Tunnel.OPEN_SESSION, new byte[0]);
            assertThat(tunnel.awaitClosed()).as("a second OPEN_SESSION").isEqualTo(PROTOCOL_ERROR);
        }
        for (byte[] first : new byte[][] {{Tunnel.OPEN_SESSION, 1}, {Tunnel.FRAME}, {Tunnel.HTTP_BODY}, {Tunnel.HTTP_END}, {42}}) {
            try (TunnelSocket tunnel = established()) {
                tunnel.sendRecord(first[0], java.util.Arrays.copyOfRange(first, 1, first.length));
                assertThat(tunnel.awaitClosed()).as("a first record of type %s", first[0]).isEqualTo(PROTOCOL_ERROR);
            }
        }
        try (TunnelSocket tunnel = established()) {
            tunnel.send(new byte[Tunnel.TAG_BYTES]);
            assertThat(tunnel.awaitClosed()).as("a record too short to be one").isEqualTo(PROTOCOL_ERROR);
        }
        try (TunnelSocket tunnel = established()) {
            try {
                tunnel.send(new byte[Tunnel.MAX_RECORD_BYTES + 1]);
            } catch (Exception closedWhileSending) {
                // the server may close before the whole message is out
            }
            // Netty's WebSocket layer answers 1009 at the message's header and closes while the rest
            // is still arriving, so the client may meet the reset before it reads the close.
            assertThat(tunnel.awaitClosed()).as("an oversized record").isIn(MESSAGE_TOO_BIG, ABORTED);
        }
        stillServes();
    }

    @Test
    void httpExchangesServeOnlyAttachmentsAndRefuseHeadsAndBodiesOutOfBounds() throws Exception {
        start(Backend.SQLITE);
        for (String path : new String[] {"/healthz", "/", "/index.html", "/metrics", "/v1/ws", "/v1/attachments"}) {
            try (TunnelSocket tunnel = established()) {
                TunnelSocket.HttpAnswer answer = tunnel.exchange("GET", path, Map.of("Authorization", "Bearer " + METRICS_TOKEN), new byte[0]);
                assertThat(answer.status()).as(path).isEqualTo(404);
                assertThat(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("not found\n");
                assertThat(tunnel.awaitClosed()).isEqualTo(TunnelServerTest.NORMAL_CLOSURE);
            }
        }

        Map<String, String> tooMany = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            tooMany.put("X-Header-" + i, "value");
        }
        for (Map<String, String> headers : List.of(Map.of("Authorization", "Ticket " + "t".repeat(5000)), tooMany,
                Map.of("Content-Length", "ten"), Map.of("Content-Length", "-1"), Map.of("Authorization", "Ticket x\r\nHost: evil"))) {
            try (TunnelSocket tunnel = established()) {
                tunnel.sendHead("POST", "/v1/attachments", headers);
                assertThat(tunnel.awaitClosed()).as("a head with %s headers", headers.size()).isEqualTo(PROTOCOL_ERROR);
            }
        }
        for (String method : new String[] {"DELETE", "HEAD", "get", ""}) {
            try (TunnelSocket tunnel = established()) {
                tunnel.sendHead(method, "/v1/attachments/" + "0".repeat(32), Map.of());
                assertThat(tunnel.awaitClosed()).as(method).isEqualTo(PROTOCOL_ERROR);
            }
        }
        try (TunnelSocket tunnel = established()) {
            tunnel.sendHead("GET", "no-slash", Map.of());
            assertThat(tunnel.awaitClosed()).isEqualTo(PROTOCOL_ERROR);
        }

        TestClient alice = registered("alice");
        try (TunnelSocket tunnel = established()) {
            tunnel.sendHead("POST", "/v1/attachments", Map.of("Authorization", "Ticket " + TunnelServerTest.ticket(alice),
                    "Content-Length", "10"));
            tunnel.sendRecord(Tunnel.HTTP_BODY, new byte[6]);
            tunnel.sendRecord(Tunnel.HTTP_BODY, new byte[5]);
            assertThat(tunnel.awaitClosed()).as("a body longer than its Content-Length").isEqualTo(PROTOCOL_ERROR);
        }
        try (TunnelSocket tunnel = established()) {
            tunnel.sendHead("POST", "/v1/attachments", Map.of("Authorization", "Ticket " + TunnelServerTest.ticket(alice)));
            tunnel.sendRecord(Tunnel.HTTP_BODY, new byte[Tunnel.MAX_BODY_RECORD_BYTES + 1]);
            assertThat(tunnel.awaitClosed()).as("a body record above the largest").isEqualTo(PROTOCOL_ERROR);
        }
        try (TunnelSocket tunnel = established()) {
            tunnel.sendHead("POST", "/v1/attachments", Map.of("Authorization", "Ticket " + TunnelServerTest.ticket(alice),
                    "Content-Length", "10"));
            tunnel.sendRecord(Tunnel.HTTP_BODY, new byte[9]);
            tunnel.sendRecord(Tunnel.HTTP_END, new byte[0]);
            assertThat(tunnel.awaitClosed()).as("a body shorter than its Content-Length").isEqualTo(PROTOCOL_ERROR);
        }
        try (TunnelSocket tunnel = established()) {
            tunnel.sendHead("POST", "/v1/attachments", Map.of("Authorization", "Ticket " + TunnelServerTest.ticket(alice),
                    "Content-Length", "10"));
            tunnel.sendHead("POST", "/v1/attachments", Map.of());
            assertThat(tunnel.awaitClosed()).as("a second head").isEqualTo(PROTOCOL_ERROR);
        }
        assertThat(harness.store().admin().stats().attachments()).as("nothing half-uploaded was kept").isZero();
        stillServes();
    }

    @Test
    void aTunnelThatNeverSaysWhatItCarriesIsClosedAfterTheHandshakeTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        start(Backend.SQLITE, config -> config.withLimits(new ServerConfig.Limits(Duration.ofSeconds(60), Duration.ofSeconds(30),
                timeout, 5, 10_000, 20_000, 10_000, 20_000, 10_000)), store -> store);
        long start = System.nanoTime();
        try (TunnelSocket silent = tunnel(); TunnelSocket helloOnly = established()) {
            assertThat(silent.awaitClosed()).as("no hello").isEqualTo(POLICY_VIOLATION);
            assertThat(helloOnly.awaitClosed()).as("a hello, no record").isEqualTo(POLICY_VIOLATION);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.multipliedBy(4));
        try (TunnelSocket prompt = tunnel()) {
            TunnelServerTest.challengeThrough(prompt, server.publicKey());
            Thread.sleep(timeout.multipliedBy(2).toMillis());
            prompt.sendRecord(Tunnel.FRAME, ClientFrame.newBuilder().setRequestId(7).setPing(Ping.getDefaultInstance()).build()
                    .toByteArray());
            assertThat(ServerFrame.parseFrom(prompt.receiveRecord().body()).hasPong()).as("a session lives past the timeout").isTrue();
        }
        stillServes();
    }
}
