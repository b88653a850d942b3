package org.parley.server.bridge;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestAttachmentUpload;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.ServerConfig;
import org.parley.server.ServerTestBase;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;
import org.parley.server.testing.TunnelSocket;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A browser's tunnel through a running bridge to a real server, with and without TLS at the
 * server, and what the bridge sees of it: the WebSocket's upgrade and records, nothing inside.
 */
class BridgeTunnelTest extends ServerTestBase {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private BridgeCertificate bridgeCertificate;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private Bridge bridge(BridgeConfig config) throws Exception {
        bridgeCertificate = BridgeCertificate.loadOrCreate(tempDir.resolve("bridge"), "127.0.0.1");
        return keep(Bridge.start(config, bridgeCertificate));
    }

    private static BridgeConfig to(InetSocketAddress upstream) {
        return BridgeConfig.of(new InetSocketAddress("127.0.0.1", 0), upstream);
    }

    private InetSocketAddress serverAddress() {
        return new InetSocketAddress("127.0.0.1", server.address().getPort());
    }

    /** The tunnel's path on the server, as the browser names it in its upgrade through the bridge. */
    private URI tunnelUri(String scheme, InetSocketAddress at) {
        return URI.create(scheme + "://127.0.0.1:" + at.getPort() + "/v1/ws" + Tunnel.PATH_SUFFIX);
    }

    /**
     * A client signed in through the tunnel across {@code bridge}, and one signed in directly (with
     * {@code serverTls}, null for a server without TLS), trade a message each way.
     */
    private TestClient chatThrough(Bridge bridge, SslContext serverTls, String username, String secret) throws Exception {
        SslContext toBridge = SslContextBuilder.forClient().trustManager(bridgeCertificate.certificate()).build();
        TestClient tunnelled = keep(TestClient.connectThroughTunnel(tunnelUri("ws", serverAddress()), server.publicKey(),
                bridge.address(), toBridge));
        assertThat(tunnelled.register(username, randomBytes(32), null).hasAuthenticated()).isTrue();
        tunnelled.awaitFrame(ServerFrame::hasMailboxDrained);
        TestClient direct = keep(TestClient.connect(URI.create((serverTls == null ? "ws" : "wss") + "://127.0.0.1:"
                + server.address().getPort() + "/v1/ws"), serverTls));
        assertThat(direct.register("direct_" + username, randomBytes(32), null).hasAuthenticated()).isTrue();
        assertThat(tunnelled.request(send(secret.getBytes(StandardCharsets.UTF_8), recipient(direct))).hasSendAccepted()).isTrue();
        assertThat(direct.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo(secret);
        String reply = "re: " + secret;
        assertThat(direct.request(send(reply.getBytes(StandardCharsets.UTF_8), recipient(tunnelled))).hasSendAccepted()).isTrue();
        assertThat(tunnelled.awaitFrame(ServerFrame::hasDeliver).getDeliver().getPayload().toStringUtf8()).isEqualTo(reply);
        return tunnelled;
    }

    /** {@code blob} uploaded with a ticket of {@code owner}'s and downloaded again, each through its own tunnel across {@code bridge}. */
    private byte[] roundTripThrough(Bridge bridge, TestClient owner, byte[] blob) throws Exception {
        SSLContext toBridge = BridgeTest.trusting(bridgeCertificate.certificate());
        String ticket = owner.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                .getAttachmentTicket().getTicket();
        String id;
        try (TunnelSocket upload = TunnelSocket.open(tunnelUri("wss", bridge.address()), toBridge)) {
            upload.handshake(server.publicKey());
            TunnelSocket.HttpAnswer created = upload.exchange("POST", "/v1/attachments",
                    Map.of("Authorization", "Ticket " + ticket, "Content-Length", String.valueOf(blob.length)), blob);
            assertThat(created.status()).isEqualTo(201);
            id = new String(created.body(), StandardCharsets.US_ASCII);
        }
        try (TunnelSocket download = TunnelSocket.open(tunnelUri("wss", bridge.address()), toBridge)) {
            download.handshake(server.publicKey());
            TunnelSocket.HttpAnswer fetched = download.exchange("GET", "/v1/attachments/" + id, Map.of(), new byte[0]);
            assertThat(fetched.status()).isEqualTo(200);
            return fetched.body();
        }
    }

    @Test
    void aBrowsersTunnelReachesAServerWithoutTlsThroughABridgeToHttp() throws Exception {
        start(Backend.SQLITE);
        Bridge bridge = bridge(to(serverAddress()).withPlainUpstream());
        TestClient alice = chatThrough(bridge, null, "alice", "over a plain upstream");
        byte[] blob = randomBytes(200_000);
        assertThat(roundTripThrough(bridge, alice, blob)).isEqualTo(blob);
        assertThat(bridge.counters().relayed()).isEqualTo(3);
    }

    @Test
    void aBrowsersTunnelReachesAServerWithTlsInsideTlsTheBridgeRuns() throws Exception {
        Path serverTls = tempDir.resolve("server-tls");
        BridgeCertificate.loadOrCreate(serverTls, "127.0.0.1"); // self-signed: the bridge takes any certificate
        start(Backend.SQLITE, config -> config.withTls(new ServerConfig.Tls(serverTls.resolve(BridgeCertificate.CERTIFICATE_FILE),
                serverTls.resolve(BridgeCertificate.KEY_FILE))), store -> store);
        Bridge bridge = bridge(to(serverAddress()));
        SslContext trustingAny = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        TestClient alice = chatThrough(bridge, trustingAny, "alice", "over a TLS upstream");
        byte[] blob = randomBytes(200_000);
        assertThat(roundTripThrough(bridge, alice, blob)).isEqualTo(blob);
    }

    /**
     * Against a TLS upstream that records the name each handshake asks for: a browser's plain HTTP
     * arrives inside the bridge's TLS, naming the --to host; a client's own TLS arrives as it is,
     * naming the client's.
     */
    @Test
    void theBridgesTlsNamesTheToHostWhileAClientsOwnTlsPassesUntouched() throws Exception {
        BridgeCertificate upstreamCertificate = BridgeCertificate.loadOrCreate(tempDir.resolve("upstream"), "localhost");
        SslContext upstreamTls = upstreamCertificate.serverContext(SslProvider.JDK);
        List<String> askedNames = new CopyOnWriteArrayList<>();
        SSLServerSocket listener = (SSLServerSocket) ((JdkSslContext) upstreamTls).context().getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
        SSLParameters recordingNames = listener.getSSLParameters();
        recordingNames.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
            @Override
            public boolean matches(SNIServerName name) {
                askedNames.add(((SNIHostName) name).getAsciiName());
                return true;
            }
        }));
        listener.setSSLParameters(recordingNames);
        keep(listener);
        Thread upstream = new Thread(() -> {
            while (!listener.isClosed()) {
                try (SSLSocket connection = (SSLSocket) listener.accept()) {
                    String line = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                    connection.getOutputStream().write(("you said: " + line + "\n").getBytes(StandardCharsets.US_ASCII));
                } catch (java.io.IOException closed) {
                    // the test ended, or a connection broke
                }
            }
        });
        upstream.setDaemon(true);
        upstream.start();
        Bridge bridge = bridge(to(InetSocketAddress.createUnresolved("localhost", listener.getLocalPort())));
        SSLContext toBridge = BridgeTest.trusting(bridgeCertificate.certificate());

        try (SSLSocket browser = (SSLSocket) toBridge.getSocketFactory().createSocket("127.0.0.1", bridge.address().getPort())) {
            browser.getOutputStream().write("GET /v1/ws/tunnel HTTP/1.1\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.US_ASCII)).readLine())
                    .isEqualTo("you said: GET /v1/ws/tunnel HTTP/1.1");
        }
        assertThat(askedNames).containsExactly("localhost");

        try (SSLSocket outer = (SSLSocket) toBridge.getSocketFactory().createSocket("127.0.0.1", bridge.address().getPort());
             SSLSocket cli = (SSLSocket) BridgeTest.trusting(upstreamCertificate.certificate()).getSocketFactory()
                     .createSocket(outer, "localhost", listener.getLocalPort(), false)) {
            SSLParameters naming = cli.getSSLParameters();
            naming.setServerNames(List.of(new SNIHostName("chat.example.org")));
            cli.setSSLParameters(naming);
            cli.getOutputStream().write("hello through my own TLS\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.US_ASCII)).readLine())
                    .isEqualTo("you said: hello through my own TLS");
        }
        assertThat(askedNames).containsExactly("localhost", "chat.example.org");
    }

    /**
     * What the bridge relays, recorded between it and the server: each connection is the
     * WebSocket's upgrade and then binary messages, the hellos and records; unmasked, none of them
     * holds a message, the file, the username, the sign-in's challenge or signature, or the ticket.
     */
    @Test
    void whatTheBridgeRelaysOfATunnelHoldsNothingButRecords() throws Exception {
        start(Backend.SQLITE);
        List<TestUpstream.Recording> recordings = new CopyOnWriteArrayList<>();
        TestUpstream recorder = keep(TestUpstream.recordingEachWayTo(serverAddress(), recordings));
        Bridge bridge = bridge(to(recorder.address()).withPlainUpstream());
        String secret = "meet at the old mill at nine";
        TestClient alice = chatThrough(bridge, null, "tunnel_alice", secret);
        byte[] blob = randomBytes(150_000);
        assertThat(roundTripThrough(bridge, alice, blob)).isEqualTo(blob);
        String ticket = alice.request(ClientFrame.newBuilder().setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance()))
                .getAttachmentTicket().getTicket();
        alice.close();

        List<byte[]> secrets = new ArrayList<>(List.of(secret.getBytes(StandardCharsets.UTF_8), "tunnel_alice".getBytes(StandardCharsets.UTF_8),
                alice.challenge(), alice.signChallenge(), alice.identityKey(), alice.mailboxKey(), ticket.getBytes(StandardCharsets.US_ASCII)));
        for (int offset = 0; offset + 32 <= blob.length; offset += blob.length / 16) {
            secrets.add(Arrays.copyOfRange(blob, offset, offset + 32));
        }
        assertThat(recordings).as("the session, the upload and the download").hasSize(3);
        for (TestUpstream.Recording recording : recordings) {
            byte[] toServer = snapshot(recording.toServer());
            byte[] fromServer = snapshot(recording.fromServer());
            assertThat(new String(toServer, 0, 30, StandardCharsets.US_ASCII)).startsWith("GET /v1/ws/tunnel HTTP/1.1");
            assertThat(new String(fromServer, 0, 30, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
            List<byte[]> up = binaryMessages(toServer);
            List<byte[]> down = binaryMessages(fromServer);
            assertThat(up.get(0)).as("the browser's hello").hasSize(Tunnel.CLIENT_HELLO_BYTES);
            assertThat(down.get(0)).as("the server's hello").hasSize(Tunnel.SERVER_HELLO_BYTES);
            for (byte[] message : concat(up.subList(1, up.size()), down.subList(1, down.size()))) {
                assertThat(message.length).as("a record").isGreaterThanOrEqualTo(1 + Tunnel.TAG_BYTES);
            }
            for (byte[] stream : concat(List.of(toServer, fromServer), up, down)) {
                for (byte[] hidden : secrets) {
                    assertThat(indexOf(stream, hidden)).as("a secret of %s bytes in what the bridge relayed", hidden.length).isNegative();
                }
            }
        }
    }

    private static byte[] snapshot(ByteArrayOutputStream recorded) {
        synchronized (recorded) {
            return recorded.toByteArray();
        }
    }

    @SafeVarargs
    private static List<byte[]> concat(List<byte[]>... lists) {
        List<byte[]> all = new ArrayList<>();
        for (List<byte[]> list : lists) {
            all.addAll(list);
        }
        return all;
    }

    /**
     * One direction of a recorded WebSocket connection as its messages: after the HTTP head, each
     * frame's payload unmasked (a browser masks what it sends with a key written beside it, which
     * hides nothing from a bridge). Every data frame must be binary; a frame cut off at the end of
     * the recording is left out.
     */
    private static List<byte[]> binaryMessages(byte[] stream) {
        int at = indexOf(stream, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) + 4;
        List<byte[]> messages = new ArrayList<>();
        while (at + 2 <= stream.length) {
            int opcode = stream[at] & 0x0f;
            boolean masked = (stream[at + 1] & 0x80) != 0;
            long length = stream[at + 1] & 0x7f;
            at += 2;
            if (length == 126 && at + 2 <= stream.length) {
                length = ByteBuffer.wrap(stream, at, 2).getShort() & 0xffff;
                at += 2;
            } else if (length == 127 && at + 8 <= stream.length) {
                length = ByteBuffer.wrap(stream, at, 8).getLong();
                at += 8;
            }
            int maskAt = at;
            at += masked ? 4 : 0;
            if (at + length > stream.length) {
                break;
            }
            byte[] payload = Arrays.copyOfRange(stream, at, at + (int) length);
            for (int i = 0; masked && i < payload.length; i++) {
                payload[i] ^= stream[maskAt + i % 4];
            }
            at += (int) length;
            if (opcode == 0x8 || opcode == 0x9 || opcode == 0xa) {
                continue; // close, ping, pong
            }
            assertThat(opcode).as("a data frame's opcode (2: binary)").isEqualTo(0x2);
            messages.add(payload);
        }
        return messages;
    }

    /** Where {@code needle} first occurs in {@code haystack}, or -1: ISO-8859-1 maps each byte to one char. */
    private static int indexOf(byte[] haystack, byte[] needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).indexOf(new String(needle, StandardCharsets.ISO_8859_1));
    }
}
