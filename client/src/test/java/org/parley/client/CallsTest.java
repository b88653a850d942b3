package org.parley.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.account.Accounts;
import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.CallStats;
import org.parley.client.calls.Calls;
import org.parley.client.conversations.Conversations;
import org.parley.client.store.ProfileStore;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** 1:1 calls between two real clients through a real server's relay, over UDP and over the WebSocket only. */
class CallsTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Codec look-ahead and frame boundaries: the recording trails the original by a few ms at most. */
    private static final int MAX_LAG_SAMPLES = OpusFormat.SAMPLE_RATE / 20;
    @TempDir
    Path temp;
    private LiveServer server;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        server.close();
    }

    @Test
    void aOneToOneCallOverUdpCarriesAudioBothWays() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        callAndCompare("udp");
    }

    @Test
    void withoutUdpAtTheServerTheCallGoesOverTheWebSocket() throws Exception {
        server = new LiveServer(temp.resolve("server"), OptionalInt.empty());
        callAndCompare("tcp");
    }

    private void callAndCompare(String expectedTransport) throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        Calls aliceCalls = new Calls(alice);
        Calls bobCalls = new Calls(bob);
        open.add(0, aliceCalls);
        open.add(0, bobCalls);
        Conversations.Summary direct = alice.conversations().direct("bob");
        eventually("bob has the conversation", () -> bob.conversations().list().stream().anyMatch(s -> s.name().equals("alice")));

        Call outgoing = aliceCalls.ring(direct.groupId(), "bob");
        Call incoming = bobCalls.awaitRing(WAIT);
        assertThat(incoming.callId()).isEqualTo(outgoing.callId());
        assertThat(incoming.conversation()).isEqualTo("alice");
        incoming.accept();
        assertThat(outgoing.awaitAccepted(WAIT)).isTrue();
        CallMedia aliceMedia = outgoing.join();
        CallMedia bobMedia = incoming.join();
        open.add(0, outgoing);
        open.add(0, incoming);
        assertThat(aliceMedia.currentTransport()).isEqualTo(expectedTransport);
        assertThat(bobMedia.currentTransport()).isEqualTo(expectedTransport);

        short[] aliceSays = Signals.speechLike(3, 1);
        short[] bobSays = Signals.speechLike(3, 2);
        aliceMedia.play(aliceSays);
        bobMedia.play(bobSays);
        int frames = aliceSays.length / OpusFormat.FRAME_SAMPLES;
        eventually("both sent everything", () -> !aliceMedia.sending() && !bobMedia.sending());
        eventually("bob played alice's frames", () -> bobMedia.recording().length >= aliceSays.length);
        eventually("alice played bob's frames", () -> aliceMedia.recording().length >= bobSays.length);

        CrossCorrelation.Alignment bobHears = CrossCorrelation.align(aliceSays, bobMedia.recording(), MAX_LAG_SAMPLES);
        CrossCorrelation.Alignment aliceHears = CrossCorrelation.align(bobSays, aliceMedia.recording(), MAX_LAG_SAMPLES);
        assertThat(bobHears.correlation()).as("bob hears alice").isGreaterThanOrEqualTo(0.9);
        assertThat(aliceHears.correlation()).as("alice hears bob").isGreaterThanOrEqualTo(0.9);
        assertThat(CrossCorrelation.align(bobSays, bobMedia.recording(), MAX_LAG_SAMPLES).correlation())
                .as("what bob hears is not his own audio").isLessThan(0.5);
        assertThat(aliceMedia.undecryptable()).isZero();

        CallStats aliceStats = outgoing.hangUp();
        assertThat(aliceStats.transport()).isEqualTo(expectedTransport);
        assertThat(aliceStats.switches()).isZero();
        assertThat(aliceStats.framesSent()).isEqualTo(frames);
        assertThat(aliceStats.framesReceived() + aliceStats.framesConcealed()).isGreaterThanOrEqualTo(frames);
        assertThat(aliceStats.p99DelayMillis()).isNotNegative();
        eventually("bob sees the hang-up", incoming::endedByOthers);
        CallStats bobStats = incoming.leave();
        assertThat(bobStats.framesSent()).isEqualTo(frames);
        assertThat(bobStats.describe()).startsWith("transport " + expectedTransport + " (0 switches), frames sent " + frames);
    }

    private ParleyClient user(String username) {
        ProfileStore store = ProfileStore.open(temp.resolve(username), null, true, RANDOM);
        Accounts.register(store, server.address(), username, null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        ParleyClient client = ParleyClient.open(store, temp.resolve(username).resolve("files"), RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        open.add(0, store);
        open.add(0, client);
        client.publishKeyPackages(5, true);
        return client;
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
