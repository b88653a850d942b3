package org.parley.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.parley.client.account.Accounts;
import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.Calls;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.net.Endpoint;
import org.parley.client.net.Route;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.TestProxy;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.LiveServer;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Issue 15: everything a client does goes through a SOCKS5 or an HTTP CONNECT proxy (messages,
 * attachments, calls). The server is named by a name only the proxy knows ({@code .test} never
 * resolves here), so a connection that did not go through the proxy could not have been made at
 * all, and a name looked up here would fail: the proxy resolves it, as Tor does.
 */
@Tag("realtime")
class ProxyRoutesTest extends LiveServerTestBase {
    private static final String NAME = "parley-server.test";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MAX_LAG_SAMPLES = OpusFormat.SAMPLE_RATE / 20;

    @ParameterizedTest
    @EnumSource(TestProxy.Kind.class)
    void registerChatSendAFileAndCallThroughTheProxy(TestProxy.Kind kind) throws Exception {
        assertThatThrownBy(() -> InetAddress.getByName(NAME)).as("the server's name resolves nowhere but at the proxy")
                .isInstanceOf(UnknownHostException.class);
        server = new LiveServer(temp.resolve("server"));
        TestProxy proxy = TestProxy.start(kind, Map.of(NAME, server.address().host()));
        open.add(proxy);
        ServerAddress hidden = new ServerAddress(NAME, server.address().port(), false);
        assertThatThrownBy(() -> profiles.registered("straight", hidden)).as("without the proxy the server is out of reach")
                .hasMessageContaining("cannot reach");

        ParleyClient alice = listened("alice", throughProxy("alice", hidden, proxy.route()));
        ParleyClient bob = listened("bob", throughProxy("bob", hidden, proxy.route()));
        Conversations.Summary direct = alice.conversations().direct("bob");
        accept(bob, "alice");
        alice.conversations().sendText(direct.groupId().toByteArray(), "hello through " + kind);
        eventually("bob reads alice", () -> texts("bob").contains("hello through " + kind));
        byte[] bobSide = bob.conversations().find("alice", true).groupId().toByteArray();
        bob.conversations().sendText(bobSide, "and back");
        eventually("alice reads bob", () -> texts("alice").contains("and back"));

        Path file = temp.resolve("proxied.bin");
        byte[] content = new byte[300_000];
        RANDOM.nextBytes(content);
        Files.write(file, content);
        alice.conversations().sendFile(direct.groupId().toByteArray(), file);
        eventually("bob gets the file", () -> texts("bob").stream().anyMatch(t -> t.startsWith("[file] proxied.bin saved to")));
        StoredMessage saved = bob.conversations().history(bobSide, 10).stream()
                .filter(m -> !m.getAttachmentPath().isEmpty()).findFirst().orElseThrow();
        assertThat(Files.readAllBytes(Path.of(saved.getAttachmentPath()))).isEqualTo(content);

        double[] heard = call(alice, bob, direct.groupId().toByteArray());
        assertThat(heard[0]).as("bob hears alice").isGreaterThanOrEqualTo(0.9);
        assertThat(heard[1]).as("alice hears bob").isGreaterThanOrEqualTo(0.9);

        assertThat(proxy.requests()).as("every connection asked the proxy for the server by name")
                .isNotEmpty().allMatch(r -> r.host().equals(NAME) && r.byName() && r.port() == hidden.port());
        // Per user: register, the signed-in session, the anonymous connection; one upload, one download.
        assertThat(proxy.connections()).as("connections through the proxy").isGreaterThanOrEqualTo(2 * 3 + 2);
        System.out.println(String.format(Locale.ROOT, "[proxy %s] %d connections through the proxy; call correlation %.3f"
                + " (bob hears alice), %.3f (alice hears bob)", kind, proxy.connections(), heard[0], heard[1]));
    }

    private ParleyClient throughProxy(String username, ServerAddress server, Route route) {
        ProfileStore store = profiles.create(username);
        Accounts.register(store, Endpoint.direct(server), route, username, null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        ParleyClient client = profiles.track(ParleyClient.open(store, profiles.path(username).resolve("files"), RANDOM,
                Clock.systemUTC(), ParleyClient.DEFAULT_TIMEOUT, route, event -> { }));
        client.publishKeyPackages(5, true);
        return client;
    }

    /** Alice rings bob; both speak 3 s; returns how well bob heard alice and alice heard bob. */
    private double[] call(ParleyClient alice, ParleyClient bob, byte[] groupId) throws InterruptedException {
        Calls aliceCalls = new Calls(alice);
        Calls bobCalls = new Calls(bob);
        open.add(0, aliceCalls);
        open.add(0, bobCalls);
        Call outgoing = aliceCalls.ring(groupId, "bob");
        open.add(0, outgoing);
        Call incoming = bobCalls.awaitRing(WAIT);
        open.add(0, incoming);
        incoming.accept();
        assertThat(outgoing.awaitAccepted(WAIT)).isTrue();
        CallMedia aliceMedia = outgoing.join();
        CallMedia bobMedia = incoming.join();
        assertThat(aliceMedia.currentTransport()).as("through a proxy media takes the WebSocket").isEqualTo("tcp");
        assertThat(bobMedia.currentTransport()).isEqualTo("tcp");
        short[] aliceSays = Signals.speechLike(3, 1);
        short[] bobSays = Signals.speechLike(3, 2);
        aliceMedia.play(aliceSays);
        bobMedia.play(bobSays);
        eventually("both sent everything", () -> !aliceMedia.sending() && !bobMedia.sending());
        Thread.sleep(1_500); // the jitter buffer's half second, and then some
        return new double[] {CrossCorrelation.align(aliceSays, bobMedia.recording(), MAX_LAG_SAMPLES).correlation(),
                CrossCorrelation.align(bobSays, aliceMedia.recording(), MAX_LAG_SAMPLES).correlation()};
    }
}
