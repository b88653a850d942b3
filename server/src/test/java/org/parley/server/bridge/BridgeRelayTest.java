package org.parley.server.bridge;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.ServerConfig;
import org.parley.server.ServerTestBase;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Parley server (with TLS) behind the bridge: a client registers and sends through it, its
 * WebSocket's TLS running inside the bridge's, and what the bridge relays to the server (recorded
 * on the way) holds none of it in the clear.
 */
class BridgeRelayTest extends ServerTestBase {
    private Bridge bridge;
    private TestUpstream recorder;

    @AfterEach
    void stopBridge() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (recorder != null) {
            recorder.close();
        }
    }

    @Test
    void aClientRegistersAndSendsThroughTheBridgeAndTheRelayedBytesHoldNoPlaintext() throws Exception {
        Path serverTls = tempDir.resolve("server-tls");
        BridgeCertificate serverCertificate = BridgeCertificate.loadOrCreate(serverTls, "127.0.0.1");
        start(Backend.SQLITE, config -> config.withTls(new ServerConfig.Tls(serverTls.resolve(BridgeCertificate.CERTIFICATE_FILE),
                serverTls.resolve(BridgeCertificate.KEY_FILE))), store -> store);
        InetSocketAddress serverAddress = new InetSocketAddress("127.0.0.1", server.address().getPort());
        ByteArrayOutputStream relayed = new ByteArrayOutputStream();
        recorder = TestUpstream.recordingForwarderTo(serverAddress, relayed);
        BridgeCertificate bridgeCertificate = BridgeCertificate.loadOrCreate(tempDir.resolve("bridge"), "127.0.0.1");
        bridge = Bridge.start(BridgeConfig.of(new InetSocketAddress("127.0.0.1", 0), recorder.address()), bridgeCertificate);

        URI webSocket = URI.create("wss://127.0.0.1:" + serverAddress.getPort() + "/v1/ws");
        SslContext toServer = SslContextBuilder.forClient().trustManager(serverCertificate.certificate()).build();
        SslContext toBridge = SslContextBuilder.forClient().trustManager(bridgeCertificate.certificate()).build();
        byte[] accessKey = randomBytes(32);
        String secret = "meet at the old mill at nine";
        try (TestClient bridged = TestClient.connectThroughBridge(bridge.address(), toBridge, webSocket, toServer);
             TestClient direct = TestClient.connect(webSocket, toServer)) {
            assertThat(bridged.register("bridged_alice", accessKey, null).hasAuthenticated()).isTrue();
            bridged.awaitFrame(ServerFrame::hasMailboxDrained);
            assertThat(direct.register("direct_bob", randomBytes(32), null).hasAuthenticated()).isTrue();
            direct.awaitFrame(ServerFrame::hasMailboxDrained);

            assertThat(bridged.request(send(secret.getBytes(StandardCharsets.UTF_8), recipient(direct))).hasSendAccepted()).isTrue();
            assertThat(direct.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo(secret);

            byte[] capture;
            synchronized (relayed) {
                capture = relayed.toByteArray();
            }
            assertThat(capture.length).as("bytes relayed").isGreaterThan(1000);
            assertThat(capture[0]).as("a TLS handshake record (the client's own ClientHello) comes first").isEqualTo((byte) 0x16);
            String text = new String(capture, StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContain(secret).doesNotContain("bridged_alice").doesNotContain("direct_bob")
                    .doesNotContain("/v1/ws").doesNotContainIgnoringCase("websocket").doesNotContainIgnoringCase("parley");
            String hex = HexFormat.of().formatHex(capture);
            for (byte[] key : new byte[][] {bridged.identityKey(), bridged.mailboxKey(), accessKey}) {
                assertThat(hex).doesNotContain(HexFormat.of().formatHex(key));
            }
        }
        assertThat(bridge.counters().relayed()).isEqualTo(1);
        assertThat(recorder.connections()).isEqualTo(1);
    }
}
