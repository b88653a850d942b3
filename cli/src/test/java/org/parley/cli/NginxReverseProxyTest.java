package org.parley.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testnet.TestCertificate;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;
import org.parley.media.audio.WavFiles;
import org.parley.server.ServerConfig;
import org.parley.server.transport.TrustedProxies;
import org.parley.server.web.WebApp;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Everything through nginx on one TLS port with path-based routing, configured by the README's
 * block: two {@code parley} users (each command its own process, as from a terminal) register,
 * chat both ways, send a 3 MiB file (more than nginx's default body limit) and talk in a call over
 * the WebSocket media path; nginx also serves a file of its own, and the web app's page comes
 * through with the moved WebSocket's path in it. Skips when nginx is not installed, and fails then
 * with PARLEY_REQUIRE_NGINX=1.
 */
@Tag("realtime")
class NginxReverseProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    @TempDir
    Path temp;
    private TestCertificate certificate;

    @Test
    void usersRegisterChatSendAFileAndCallThroughNginx() throws Exception {
        Path nginx = nginxOrSkip();
        certificate = TestCertificate.create(temp.resolve("tls"), List.of(InetAddress.getLoopbackAddress()));
        Path site = Files.createDirectories(temp.resolve("www").resolve(NginxProxy.SITE_PATH.substring(1)));
        Files.writeString(site.resolve("hello.txt"), "served by nginx itself\n");
        // As the README starts it: loopback, the WebSocket moved, calls over the WebSocket, nginx trusted for X-Forwarded-For.
        ServerConfig config = ServerConfig.defaults().withListen("127.0.0.1", 0)
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.empty()))
                .withEdge(ServerConfig.Edge.defaults().withWebSocketPath(NginxProxy.WEBSOCKET_PATH)
                        .withTrustedProxies(TrustedProxies.parse("127.0.0.1/32")));
        try (LiveServer server = new LiveServer(temp.resolve("server"), config);
             NginxProxy proxy = NginxProxy.start(nginx, Files.createDirectories(temp.resolve("nginx")), certificate.certificatePem(),
                     certificate.privateKeyPem(), server.address().port(), temp.resolve("www"))) {
            pathsAreRouted(proxy);
            chatAndFile(proxy);
            callOverTheWebSocket();
        }
    }

    private void pathsAreRouted(NginxProxy proxy) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(certificate.trustingContext()).build();
        HttpResponse<String> own = http.send(HttpRequest.newBuilder(URI.create(proxy.origin() + NginxProxy.SITE_PATH + "hello.txt")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).isEqualTo("served by nginx itself\n");
        HttpResponse<String> oldPath = http.send(HttpRequest.newBuilder(URI.create(proxy.origin() + "/v1/ws")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(oldPath.statusCode()).isEqualTo(404);
        assertThat(oldPath.body()).isEqualTo("not found\n");
        HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(proxy.origin() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(root.statusCode()).isEqualTo(200);
        if (WebApp.onClassPath()) {
            assertThat(root.body()).contains("<meta name=\"parley-ws\" content=\"" + NginxProxy.WEBSOCKET_PATH + "\" />");
        }
    }

    private void chatAndFile(NginxProxy proxy) throws Exception {
        for (String user : List.of("alice", "bob")) {
            assertThat(ok(user, "register", user, "--server", proxy.serverUrl()).out()).contains("Registered " + user);
        }
        ok("alice", "send", "bob", "hello through nginx");
        ok("bob", "accept", "alice");
        assertThat(ok("bob", "receive").out()).contains("alice → bob: hello through nginx");
        ok("bob", "send", "alice", "and back again");
        assertThat(ok("alice", "receive").out()).contains("bob → alice: and back again");

        byte[] contents = new byte[3 * 1024 * 1024];
        new SecureRandom().nextBytes(contents);
        Path file = temp.resolve("photos.bin");
        Files.write(file, contents);
        ok("alice", "send-file", "bob", file.toString());
        List<JsonNode> received = new ArrayList<>();
        for (String line : ok("bob", "receive", "--json").out().lines().toList()) {
            received.add(JSON.readTree(line));
        }
        assertThat(received).hasSize(1);
        Path saved = Path.of(received.get(0).get("attachments").get(0).asText());
        assertThat(Files.readAllBytes(saved)).as("the file, whole, through nginx").isEqualTo(contents);
    }

    private void callOverTheWebSocket() throws Exception {
        Path said = temp.resolve("said.wav");
        Path heard = temp.resolve("heard.wav");
        short[] speech = Signals.speechLike(3, 11);
        WavFiles.write(said, speech);
        CompletableFuture<MainTest.Result> caller = CompletableFuture.supplyAsync(() -> run("alice", "call", "bob", "--send-audio", said.toString()));
        MainTest.Result answer = run("bob", "answer", "--record", heard.toString(), "--duration", "30");
        MainTest.Result call = caller.get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(call.code()).as("call: %s%s", call.out(), call.err()).isZero();
        assertThat(answer.code()).as("answer: %s%s", answer.out(), answer.err()).isZero();
        assertThat(call.out()).contains("over tcp").contains("Stats: transport tcp (0 switches)");
        assertThat(CrossCorrelation.alignEitherWay(speech, WavFiles.read(heard), OpusFormat.SAMPLE_RATE / 20).correlation())
                .as("the audio came through nginx").isGreaterThanOrEqualTo(0.9);
    }

    private static Path nginxOrSkip() {
        var nginx = NginxProxy.binary();
        if (nginx.isEmpty() && "1".equals(System.getenv("PARLEY_REQUIRE_NGINX"))) {
            throw new AssertionError("PARLEY_REQUIRE_NGINX=1 but nginx is not installed (apt-get install nginx)");
        }
        assumeTrue(nginx.isPresent(), "nginx is not installed (apt-get install nginx): the reverse-proxy test is skipped");
        return nginx.get();
    }

    private MainTest.Result ok(String user, String... args) {
        MainTest.Result result = run(user, args);
        assertThat(result.code()).as("%s %s:%n%s%s", user, List.of(args), result.out(), result.err()).isZero();
        return result;
    }

    /** {@code parley --profile PROFILE args…} in a JVM of its own that trusts the test's certificate. */
    private MainTest.Result run(String user, String... args) {
        try {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(certificate.trustFlags());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "--profile", temp.resolve(user).toString()));
            command.addAll(List.of(args));
            Path out = Files.createTempFile(temp, user, ".out");
            Path err = Files.createTempFile(temp, user, ".err");
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("parley " + List.of(args) + " did not end within " + COMMAND_TIMEOUT_SECONDS + " s:\n"
                        + Files.readString(out) + Files.readString(err));
            }
            return new MainTest.Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (Exception e) {
            throw new AssertionError("could not run parley " + List.of(args), e);
        }
    }
}
