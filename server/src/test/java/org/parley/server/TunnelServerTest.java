package org.parley.server;

import org.junit.jupiter.api.Test;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.RequestAttachmentUpload;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;
import org.parley.server.testing.TunnelSocket;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tunnel a browser opens through a bridge, straight to a real server here: a session inside it
 * is one like any other, and one attachment upload or download goes through it whole.
 */
class TunnelServerTest extends ServerTestBase {
    /** The normal close after a tunnel's one HTTP exchange. */
    static final int NORMAL_CLOSURE = 1000;

    /** The tunnel's address at the default WebSocket path. */
    static URI tunnelUri(ParleyServer server) {
        return URI.create("ws://127.0.0.1:" + server.address().getPort() + "/v1/ws" + Tunnel.PATH_SUFFIX);
    }

    /** The Challenge a fresh tunnel's session opens with. */
    static Challenge challengeThrough(TunnelSocket tunnel, byte[] serverKey) throws Exception {
        tunnel.handshake(serverKey);
        tunnel.sendRecord(Tunnel.OPEN_SESSION, new byte[0]);
        TunnelSocket.Record first = tunnel.receiveRecord();
        assertThat(first.type()).isEqualTo(Tunnel.FRAME);
        ServerFrame frame = ServerFrame.parseFrom(first.body());
        assertThat(frame.hasChallenge()).as("first frame %s", frame).isTrue();
        return frame.getChallenge();
    }

    @Test
    void aSessionThroughTheTunnelSignsInAndTradesMessagesWithADirectConnection() throws Exception {
        start(Backend.SQLITE);
        try (TunnelSocket raw = TunnelSocket.open(tunnelUri(server))) {
            assertThat(challengeThrough(raw, server.publicKey()).getServerKey().toByteArray()).isEqualTo(server.publicKey());
        }
        TestClient bob = registered("bob");
        String toBob = "hello bob, from the tunnel";
        String toAlice = "hello alice, from a WebSocket";
        TestClient alice;
        try (TestClient tunnelled = TestClient.connectThroughTunnel(tunnelUri(server), server.publicKey(), null, null)) {
            alice = tunnelled;
            assertThat(alice.register("alice", randomBytes(32), null).hasAuthenticated()).isTrue();
            alice.awaitFrame(ServerFrame::hasMailboxDrained);

            assertThat(alice.request(send(toBob.getBytes(StandardCharsets.UTF_8), recipient(bob))).hasSendAccepted()).isTrue();
            assertThat(bob.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo(toBob);
            assertThat(bob.request(send(toAlice.getBytes(StandardCharsets.UTF_8), recipient(alice))).hasSendAccepted()).isTrue();
            assertThat(alice.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo(toAlice);

            // A broken frame inside the tunnel is a protocol violation answered inside it, as on a WebSocket.
            alice.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, 0x7f});
            assertThat(alice.awaitFrame(ServerFrame::hasError).getError().getCode()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(alice.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance())).hasPong()).isTrue();
        }

        // Mail sent while alice is away waits, and a later tunnel signs in as her device and drains it
        // (with the message she never acknowledged).
        String whileAway = "while you were away";
        assertThat(bob.request(send(whileAway.getBytes(StandardCharsets.UTF_8), recipient(alice))).hasSendAccepted()).isTrue();
        try (TestClient again = TestClient.connectThroughTunnel(tunnelUri(server), server.publicKey(), null, null)) {
            assertThat(again.authenticateAs(alice).hasAuthenticated()).isTrue();
            assertThat(again.drainMailbox()).map(deliver -> deliver.getPayload().toStringUtf8()).containsExactly(toAlice, whileAway);
        }
    }

    @Test
    void anAttachmentGoesUpAndComesBackWholeThroughTheTunnelEachExchangeClosingIt() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        byte[] blob = randomBytes(3 * Tunnel.MAX_BODY_RECORD_BYTES + 17);

        String id;
        try (TunnelSocket upload = TunnelSocket.open(tunnelUri(server))) {
            upload.handshake(server.publicKey());
            TunnelSocket.HttpAnswer created = upload.exchange("POST", "/v1/attachments",
                    Map.of("Authorization", "Ticket " + ticket(alice), "Content-Length", String.valueOf(blob.length),
                            "Content-Type", "application/octet-stream", "X-Ignored", "dropped by the tunnel"), blob);
            assertThat(created.status()).isEqualTo(201);
            id = new String(created.body(), StandardCharsets.US_ASCII);
            assertThat(id).matches("[0-9a-f]{32}");
            assertThat(created.headers()).containsEntry("content-length", String.valueOf(id.length()))
                    .containsEntry("content-type", "text/plain; charset=utf-8").doesNotContainKey("connection");
            assertThat(upload.awaitClosed()).isEqualTo(NORMAL_CLOSURE);
        }

        try (TunnelSocket download = TunnelSocket.open(tunnelUri(server))) {
            download.handshake(server.publicKey());
            TunnelSocket.HttpAnswer fetched = download.exchange("GET", "/v1/attachments/" + id, Map.of(), new byte[0]);
            assertThat(fetched.status()).isEqualTo(200);
            assertThat(fetched.headers()).containsEntry("content-length", String.valueOf(blob.length))
                    .containsEntry("content-type", "application/octet-stream");
            assertThat(fetched.body()).isEqualTo(blob);
            assertThat(download.awaitClosed()).isEqualTo(NORMAL_CLOSURE);
        }

        // Answered at the head, while the body is still coming: the tunnel closes once it has come.
        for (Map<String, String> headers : List.of(Map.<String, String>of(), Map.of("Authorization", "Ticket " + "0".repeat(43)))) {
            try (TunnelSocket refused = TunnelSocket.open(tunnelUri(server))) {
                refused.handshake(server.publicKey());
                TunnelSocket.HttpAnswer answer = refused.exchange("POST", "/v1/attachments", headers, blob);
                assertThat(answer.status()).as("without a valid ticket").isEqualTo(401);
                assertThat(refused.awaitClosed()).isEqualTo(NORMAL_CLOSURE);
            }
        }
        try (TunnelSocket missing = TunnelSocket.open(tunnelUri(server))) {
            missing.handshake(server.publicKey());
            assertThat(missing.exchange("GET", "/v1/attachments/" + "0".repeat(32), Map.of(), new byte[0]).status()).isEqualTo(404);
            assertThat(missing.awaitClosed()).isEqualTo(NORMAL_CLOSURE);
        }
    }

    static String ticket(TestClient client) throws Exception {
        return client.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                .getAttachmentTicket().getTicket();
    }
}
