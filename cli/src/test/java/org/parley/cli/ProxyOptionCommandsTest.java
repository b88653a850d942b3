package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.net.BridgeLink;
import org.parley.client.net.TestProxy;
import org.parley.server.bridge.Bridge;
import org.parley.server.bridge.BridgeCertificate;
import org.parley.server.bridge.BridgeConfig;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --proxy} and {@code PARLEY_PROXY} as a user meets them. The server is named by a name
 * that resolves only at the test's proxies, so a command that did not go through one fails.
 */
class ProxyOptionCommandsTest extends LiveServerCommandsTest {
    private static final String NAME = "parley-server.test";
    private TestProxy socks;
    private TestProxy http;
    private String hiddenServer;

    @BeforeEach
    void startProxies() throws InterruptedException {
        socks = TestProxy.start(TestProxy.Kind.SOCKS5, Map.of(NAME, "127.0.0.1"));
        http = TestProxy.start(TestProxy.Kind.HTTP_CONNECT, Map.of(NAME, "127.0.0.1"));
        hiddenServer = "http://" + NAME + ":" + server.address().port();
    }

    @AfterEach
    void stopProxies() {
        socks.close();
        http.close();
    }

    @Test
    void everyCommandGoesThroughTheProxyGivenWithTheGlobalOption() {
        ok("alice", "--proxy", socks.route().toString(), "register", "alice", "--server", hiddenServer);
        ok("bob", "--proxy", http.route().toString(), "register", "bob", "--server", hiddenServer);
        ok("alice", "--proxy", socks.route().toString(), "send", "bob", "through a SOCKS5 proxy");
        MainTest.Result straight = as("bob", "accept", "alice");
        assertThat(straight.code()).isNotZero();
        assertThat(straight.err()).contains("cannot reach the Parley server at " + hiddenServer);
        ok("bob", "accept", "alice", "--proxy", http.route().toString());
        assertThat(ok("bob", "receive", "--proxy", http.route().toString()).out()).contains("through a SOCKS5 proxy");
        assertThat(socks.connections()).isPositive();
        assertThat(http.connections()).isPositive();
        assertThat(socks.requests()).allMatch(r -> r.host().equals(NAME) && r.byName());
    }

    @Test
    void aNewDeviceLinksThroughABridgeReachedThroughAProxyAndKeepsThatWay() throws Exception {
        BridgeCertificate certificate = BridgeCertificate.loadOrCreate(temp.resolve("bridge"), "bridge.test");
        // The test server has no TLS: parley proxy --to http://.
        try (Bridge bridge = Bridge.start(BridgeConfig.of(new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", server.address().port())).withPlainUpstream(), certificate);
             TestProxy toBridge = TestProxy.start(TestProxy.Kind.SOCKS5, Map.of("bridge.test", "127.0.0.1"))) {
            register("alice");
            String link = new BridgeLink("bridge.test", bridge.address().getPort(), Optional.of(certificate.pin()), Optional.empty()).toString();
            Linking.Waiting laptop = Linking.start(temp.resolve("laptop").toString(), server.url(), "--bridge", link,
                    "--proxy", toBridge.route().toString());
            ok("alice", "link-accept", laptop.code());
            MainTest.Result linked = laptop.finish();
            assertThat(linked.code()).as(linked.err()).isZero();
            assertThat(linked.out()).contains("parley://bridge?host=bridge.test");
            int before = toBridge.connections();
            MainTest.Result read = MainTest.parley("--profile", temp.resolve("laptop").toString(), "--proxy", toBridge.route().toString(),
                    "receive");
            assertThat(read.code()).as(read.err()).isZero();
            assertThat(toBridge.connections()).as("the laptop kept going through the bridge").isGreaterThan(before);
            assertThat(toBridge.requests()).allMatch(r -> r.host().equals("bridge.test") && r.byName());
        }
    }

    @Test
    void aMalformedProxyIsAUsageErrorThatSaysWhatToWrite() {
        MainTest.Result bad = as("alice", "--proxy", "ftp://127.0.0.1:21", "register", "alice", "--server", hiddenServer);
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("is not a SOCKS5 or HTTP proxy").contains("socks5://HOST:PORT or http://HOST:PORT");
    }

    @Test
    void aProxyThatIsNotThereIsNamed() {
        MainTest.Result down = as("alice", "--proxy", "socks5://127.0.0.1:1", "register", "alice", "--server", hiddenServer);
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains("cannot reach the proxy socks5://127.0.0.1:1").contains("PARLEY_PROXY");
    }

    @Test
    void aBridgeLinkWithoutItsServerAsksForOne() {
        MainTest.Result linkOnly = as("alice", "register", "alice", "--server", "parley://bridge?host=127.0.0.1&port=4433");
        assertThat(linkOnly.code()).isEqualTo(1);
        assertThat(linkOnly.err()).contains("the bridge link names no server");
    }

    @Test
    void theEnvironmentNamesTheProxyWhenTheOptionIsAbsent() throws Exception {
        ok("alice", "--proxy", socks.route().toString(), "register", "alice", "--server", hiddenServer);
        int before = http.connections();
        Process process = parleyProcess(Map.of("PARLEY_PROXY", http.route().toString()), "--profile", temp.resolve("alice").toString(),
                "receive");
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(process.getErrorStream().readAllBytes())).isZero();
        assertThat(http.connections()).as("connections through PARLEY_PROXY").isGreaterThan(before);

        Process bogus = parleyProcess(Map.of("PARLEY_PROXY", "bogus"), "--profile", temp.resolve("alice").toString(), "receive");
        assertThat(bogus.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(bogus.exitValue()).isNotZero();
        assertThat(new String(bogus.getErrorStream().readAllBytes())).contains("PARLEY_PROXY: 'bogus'");
    }

    private Process parleyProcess(Map<String, String> environment, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv).redirectOutput(Files.createTempFile(temp, "out", ".txt").toFile());
        builder.environment().remove("PARLEY_PROXY");
        builder.environment().putAll(environment);
        return builder.start();
    }
}
