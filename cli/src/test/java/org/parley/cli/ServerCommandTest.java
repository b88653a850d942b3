package org.parley.cli;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.JoinCallOverWebSocket;
import org.parley.protocol.v1.RequestCallToken;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.ServerConfig;
import org.parley.server.testing.TestClient;
import picocli.CommandLine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

class ServerCommandTest {
    @TempDir
    Path data;

    @Test
    void refusesANonLoopbackAddressWithoutTlsBeforeCreatingData() {
        Path folder = data.resolve("d");
        MainTest.Result result = parley("server", "--listen", "0.0.0.0:7878", "--data", folder.toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("without TLS").contains("--tls-cert CERT.pem --tls-key KEY.pem");
        assertThat(Files.exists(folder)).isFalse();
    }

    @Test
    void badListenAndHalfTlsAreUserErrors() {
        assertThat(parley("server", "--listen", "localhost", "--data", data.toString()).err()).contains("HOST:PORT");
        assertThat(parley("server", "--listen", "127.0.0.1:99999", "--data", data.toString()).err()).contains("port from 0 to 65535");
        MainTest.Result half = parley("server", "--tls-cert", "x.pem", "--data", data.toString());
        assertThat(half.code()).isEqualTo(1);
        assertThat(half.err()).contains("both --tls-cert");
    }

    @Test
    void mediaPortZeroServesCallsOverTheWebSocketOnly() throws Exception {
        try (ServerProcess server = ServerProcess.start(data, "sqlite:" + data.resolve("parley.db"), data.resolve("server.err"));
             TestClient alice = TestClient.connect(server.port)) {
            assertThat(alice.register("alice", null, null).hasAuthenticated()).isTrue();
            ByteString callId = ByteString.copyFrom(new byte[16]);
            ServerFrame token = alice.request(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder().setCallId(callId)));
            assertThat(token.getCallToken().getUdpPort()).as("no UDP relay: %s", token).isZero();
            ServerFrame joined = alice.request(ClientFrame.newBuilder().setJoinCallOverWebSocket(
                    JoinCallOverWebSocket.newBuilder().setToken(token.getCallToken().getToken())));
            assertThat(joined.getCallJoined().getCallId()).isEqualTo(callId);
            assertThat(server.log()).contains("call relay over WebSockets only (UDP disabled)");
        }
    }

    @Test
    void mediaPortOutOfRangeIsAUserError() {
        MainTest.Result result = parley("server", "--media-port", "70000", "--data", data.toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("--media-port needs a UDP port from 1 to 65535, or 0 to disable UDP");
    }

    @Test
    void limitAndEdgeOptionsReachTheServerConfig() throws Exception {
        ServerConfig config = parsed("--attachment-quota-mb", "200", "--upload-timeout", "300",
                "--trusted-proxy", "10.0.0.0/8,fd00::/8", "--proxy-protocol", "--admin-listen", "9090",
                "--metrics-token", "0123456789abcdef0123");
        assertThat(config.quotas().attachmentMibPerDay()).isEqualTo(200);
        assertThat(config.quotas().uploadTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.edge().trustedProxies().contains(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(config.edge().trustedProxies().contains(InetAddress.getByName("127.0.0.1"))).isFalse();
        assertThat(config.edge().proxyProtocol()).isTrue();
        assertThat(config.edge().adminListen()).contains(new InetSocketAddress("127.0.0.1", 9090));
        assertThat(config.edge().metricsToken()).contains("0123456789abcdef0123");
        assertThat(parsed("--admin-listen", "[::1]:9091").edge().adminListen()).contains(new InetSocketAddress("::1", 9091));

        ServerConfig defaults = parsed();
        assertThat(defaults.edge().trustedProxies().isEmpty()).as("no header is trusted by default").isTrue();
        assertThat(defaults.edge().proxyProtocol()).isFalse();
        assertThat(defaults.edge().adminListen()).isEmpty();
    }

    @Test
    void badLimitAndEdgeOptionsAreUserErrors() {
        for (String[] bad : new String[][] {
                {"--trusted-proxy", "proxy.example.org"}, {"--trusted-proxy", "10.0.0.0/40"},
                {"--admin-listen", "localhost:9090"}, {"--admin-listen", "127.0.0.1:99999"}, {"--admin-listen", "x"},
                {"--admin-listen", "0.0.0.0:9090"}, {"--metrics-token", "short"},
                {"--attachment-quota-mb", "0"}, {"--upload-timeout", "0"}}) {
            MainTest.Result result = parley(concat(bad, "--data", data.toString()));
            assertThat(result.code()).as(String.join(" ", bad)).isEqualTo(1);
            assertThat(result.err()).as(String.join(" ", bad)).isNotBlank();
        }
        assertThat(parley("server", "--admin-listen", "0.0.0.0:9090", "--data", data.toString()).err()).contains("--metrics-token");
    }

    private static String[] concat(String[] options, String... more) {
        String[] all = new String[options.length + more.length + 1];
        all[0] = "server";
        System.arraycopy(options, 0, all, 1, options.length);
        System.arraycopy(more, 0, all, 1 + options.length, more.length);
        return all;
    }

    private static ServerConfig parsed(String... args) {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.serverConfig();
    }

    @Test
    void theWebSocketPathIsAnOptionRefusingWhatCannotBeOne() {
        assertThat(parsed().edge().webSocketPath()).isEqualTo("/v1/ws");
        assertThat(parsed("--ws-path", "/c/7f3kq").edge().webSocketPath()).isEqualTo("/c/7f3kq");
        for (String bad : new String[] {"/", "ws", "/v1/attachments/x", "/healthz", "/a/../b", "/w s", "/ws?x"}) {
            MainTest.Result result = parley("server", "--ws-path", bad, "--data", data.toString());
            assertThat(result.code()).as(bad).isEqualTo(1);
            assertThat(result.err()).as(bad).contains("WebSocket path");
        }
    }

    @Test
    void aRetentionPeriodUnderADayIsAUserError() {
        MainTest.Result result = parley("server", "--retention-days", "0", "--data", data.toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("--retention-days must be at least 1");
    }

    @Test
    void helpListsTheFlags() {
        MainTest.Result help = parley("server", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--listen").contains("--data").contains("--db").contains("--tls-cert")
                .contains("--tls-key").contains("--invite-only").contains("--max-attachment-mb").contains("--media-port")
                .contains("--attachment-quota-mb").contains("--upload-timeout").contains("--trusted-proxy")
                .contains("--proxy-protocol").contains("--admin-listen").contains("--metrics-token")
                .contains("--retention-days");
    }
}
