package org.parley.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.client.testkit.LiveServer;
import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.CallStats;
import org.parley.client.calls.Calls;
import org.parley.client.conversations.Conversations;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/** 1:1 calls between two real clients through a real server's relay, over UDP and over the WebSocket only. */
@Tag("realtime")
class CallsTest extends LiveServerTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Codec look-ahead and frame boundaries: the recording trails the original by a few ms at most. */
    private static final int MAX_LAG_SAMPLES = OpusFormat.SAMPLE_RATE / 20;

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

    @Test
    void inAFourPersonGroupCallEveryoneHearsEveryoneElse() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        List<String> names = List.of("ann", "ben", "cat", "dan");
        List<ParleyClient> clients = new ArrayList<>();
        List<Calls> calls = new ArrayList<>();
        for (String name : names) {
            ParleyClient client = OneToOneCall.user(this, name);
            Calls clientCalls = new Calls(client);
            open.add(0, clientCalls);
            clients.add(client);
            calls.add(clientCalls);
        }
        Conversations.Summary team = clients.get(0).conversations().createGroup("team", names.subList(1, names.size()));
        for (ParleyClient client : clients.subList(1, clients.size())) {
            eventually(client.identity().username() + " holds ann's message request",
                    () -> client.conversations().requests().stream().anyMatch(r -> r.inviter().equals("ann")));
            client.conversations().accept("ann");
        }
        List<Call> inCall = new ArrayList<>();
        inCall.add(calls.get(0).ring(team.groupId().toByteArray(), "team"));
        for (Calls member : calls.subList(1, calls.size())) {
            inCall.add(member.awaitRing(WAIT));
        }
        List<CallMedia> media = new ArrayList<>();
        for (Call call : inCall) {
            open.add(0, call);
            media.add(call.join());
        }
        List<short[]> said = new ArrayList<>();
        for (int i = 0; i < media.size(); i++) {
            said.add(Signals.speechLike(2, 10 + i));
            media.get(i).play(said.get(i));
        }
        for (int i = 0; i < media.size(); i++) {
            CallMedia listener = media.get(i);
            eventually(names.get(i) + " heard the three others to the end", () -> listener.recordings().size() == 3
                    && listener.recordings().stream().allMatch(r -> r.length >= said.get(0).length));
        }
        for (int listener = 0; listener < media.size(); listener++) {
            List<short[]> heard = media.get(listener).recordings();
            for (int speaker = 0; speaker < media.size(); speaker++) {
                short[] reference = said.get(speaker);
                double best = heard.stream().mapToDouble(r -> CrossCorrelation.align(reference, r, MAX_LAG_SAMPLES).correlation())
                        .max().orElse(0);
                if (speaker == listener) {
                    assertThat(best).as("%s does not hear itself", names.get(listener)).isLessThan(0.5);
                } else {
                    assertThat(best).as("%s hears %s", names.get(listener), names.get(speaker)).isGreaterThanOrEqualTo(0.9);
                }
            }
        }
    }

    @Test
    void aVideoRingArrivesFlaggedAsVideoAndAnAudioRingDoesNot() throws Exception {
        RingingPair pair = ringingPair();
        Calls aliceCalls = pair.aliceCalls();
        Calls bobCalls = pair.bobCalls();
        byte[] direct = pair.direct();

        Call videoRing = aliceCalls.ring(direct, "bob", true);
        Call ringing = bobCalls.awaitRing(WAIT);
        assertThat(ringing.callId()).isEqualTo(videoRing.callId());
        assertThat(videoRing.video()).isTrue();
        assertThat(ringing.video()).as("bob is told it is a video call").isTrue();
        videoRing.hangUp();

        Call audioRing = aliceCalls.ring(direct, "bob");
        Call audioRinging = bobCalls.awaitRing(WAIT);
        assertThat(audioRinging.callId()).isEqualTo(audioRing.callId());
        assertThat(audioRinging.video()).as("an audio ring is not a video call").isFalse();
        audioRing.hangUp();
    }

    @Test
    void aDeclinedRingEndsTheCallersWaitAtOnce() throws Exception {
        RingingPair pair = ringingPair();
        Calls aliceCalls = pair.aliceCalls();
        Calls bobCalls = pair.bobCalls();
        byte[] direct = pair.direct();

        Call ring = aliceCalls.ring(direct, "bob");
        bobCalls.awaitRing(WAIT).hangUp(); // bob declines
        long started = System.nanoTime();
        Duration longWait = Duration.ofSeconds(120);
        assertThat(ring.awaitAccepted(longWait)).as("a declined ring is not accepted").isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the caller stops waiting when bob declines").isLessThan(longWait.dividedBy(2));
        assertThat(ring.endedByOthers()).isTrue();
    }

    /** alice and bob in an accepted 1:1, each with a {@link Calls}, on a server without UDP (ringing needs none). */
    private record RingingPair(Calls aliceCalls, Calls bobCalls, byte[] direct) {
    }

    private RingingPair ringingPair() throws Exception {
        server = new LiveServer(temp.resolve("server"), OptionalInt.empty());
        ParleyClient alice = OneToOneCall.user(this, "alice");
        ParleyClient bob = OneToOneCall.user(this, "bob");
        Calls aliceCalls = new Calls(alice);
        Calls bobCalls = new Calls(bob);
        open.add(0, aliceCalls);
        open.add(0, bobCalls);
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        eventually("bob holds alice's message request",
                () -> bob.conversations().requests().stream().anyMatch(r -> r.inviter().equals("alice")));
        bob.conversations().accept("alice");
        return new RingingPair(aliceCalls, bobCalls, direct);
    }

    private void callAndCompare(String expectedTransport) throws Exception {
        OneToOneCall call = OneToOneCall.start(this);
        Call outgoing = call.outgoing;
        Call incoming = call.incoming;
        CallMedia aliceMedia = call.aliceMedia;
        CallMedia bobMedia = call.bobMedia;
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
}
