package org.parley.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.client.testkit.LiveServer;
import org.parley.client.calls.CallStats;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;
import org.parley.server.ServerConfig;

import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/** Calls that outlive their connection to the server, and their call tokens. */
@Tag("realtime")
class CallResilienceTest extends LiveServerTestBase {
    private static final int MAX_LAG_SAMPLES = OpusFormat.SAMPLE_RATE / 20;

    @ParameterizedTest(name = "udp at the server: {0}")
    @ValueSource(booleans = {true, false})
    void mediaRejoinsAndKeepsFlowingWhenTheConnectionDropsMidCall(boolean udp) throws Exception {
        server = new LiveServer(temp.resolve("server"), udp ? OptionalInt.of(0) : OptionalInt.empty());
        OneToOneCall call = OneToOneCall.start(this);
        String transport = udp ? "udp" : "tcp";
        assertThat(call.aliceMedia.currentTransport()).isEqualTo(transport);
        short[] aliceSays = Signals.speechLike(6, 3);
        short[] bobSays = Signals.speechLike(6, 4);
        call.aliceMedia.play(aliceSays);
        call.bobMedia.play(bobSays);
        Thread.sleep(2_000);
        // Both connections drop: over the WebSocket path the relay forgets both participants.
        call.alice.session().dropConnection();
        call.bob.session().dropConnection();
        eventually("both re-joined", () -> call.aliceMedia.rejoins() >= 1 && call.bobMedia.rejoins() >= 1);
        long bobHeardAtRejoin = call.bobMedia.stats().framesReceived();
        long aliceHeardAtRejoin = call.aliceMedia.stats().framesReceived();
        eventually("both sent everything", () -> !call.aliceMedia.sending() && !call.bobMedia.sending());
        eventually("both played everything", () -> call.bobMedia.recording().length >= aliceSays.length
                && call.aliceMedia.recording().length >= bobSays.length);

        int frames = aliceSays.length / OpusFormat.FRAME_SAMPLES;
        CallStats bob = call.bobMedia.stats();
        CallStats alice = call.aliceMedia.stats();
        assertThat(bob.framesReceived() - bobHeardAtRejoin).as("bob hears alice after the re-join").isGreaterThan(frames / 4);
        assertThat(alice.framesReceived() - aliceHeardAtRejoin).as("alice hears bob after the re-join").isGreaterThan(frames / 4);
        // Frames sent while a connection was down are lost; the call must lose under a second of the six.
        assertThat(bob.framesReceived()).isGreaterThan(frames - 50);
        assertThat(alice.framesReceived()).isGreaterThan(frames - 50);
        assertThat(alice.transport()).isEqualTo(transport);
        assertThat(alice.describe()).contains("re-joined the relay");
        // The last two seconds, long after the drop, are heard as said.
        int tail = 2 * OpusFormat.SAMPLE_RATE;
        assertThat(tailCorrelation(aliceSays, call.bobMedia.recording(), tail)).as("bob hears alice's last 2 s").isGreaterThanOrEqualTo(0.9);
        assertThat(tailCorrelation(bobSays, call.aliceMedia.recording(), tail)).as("alice hears bob's last 2 s").isGreaterThanOrEqualTo(0.9);
        assertThat(CrossCorrelation.align(aliceSays, call.bobMedia.recording(), MAX_LAG_SAMPLES).correlation())
                .as("bob hears all of alice, the frames lost in the drop concealed").isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void mediaRejoinsWhenTheServerRestartsMidCall() throws Exception {
        // A restart closes the connections from the server's side, forgets the relay's calls, and
        // comes back with a new token secret, UDP port and participant ids: only a new token works.
        server = new LiveServer(temp.resolve("server"));
        OneToOneCall call = OneToOneCall.start(this);
        short[] aliceSays = Signals.speechLike(8, 6);
        call.aliceMedia.play(aliceSays);
        Thread.sleep(2_000);
        server.restart();
        eventually("both re-joined", () -> call.aliceMedia.rejoins() >= 1 && call.bobMedia.rejoins() >= 1);
        long sentAtRejoin = call.aliceMedia.stats().framesSent();
        eventually("alice sent everything", () -> !call.aliceMedia.sending());
        int frames = aliceSays.length / OpusFormat.FRAME_SAMPLES;
        assertThat(frames - sentAtRejoin).as("enough of the call is left after the re-join to judge it").isGreaterThan(50);
        // Alice has a new participant id now, so bob hears her as a second stream.
        eventually("bob played alice's frames after the restart", () -> call.bobMedia.recordings().size() == 2
                && call.bobMedia.recordings().get(1).length >= (frames - sentAtRejoin) * OpusFormat.FRAME_SAMPLES);
        assertThat(tailCorrelation(aliceSays, call.bobMedia.recordings().get(1), 2 * OpusFormat.SAMPLE_RATE))
                .as("bob hears alice's last 2 s after the restart").isGreaterThanOrEqualTo(0.9);
        assertThat(call.bobMedia.undecryptable()).isZero();
    }

    @ParameterizedTest(name = "udp at the server: {0}")
    @ValueSource(booleans = {true, false})
    void aCallLongerThanTheTokenLifetimeGoesOnWithRefreshedTokens(boolean udp) throws Exception {
        // Tokens live 4 s here (1 h by default), and the relay removes a participant whose token expired.
        server = new LiveServer(temp.resolve("server"), ServerConfig.Calls.defaults()
                .withMediaPort(udp ? OptionalInt.of(0) : OptionalInt.empty()).withTokenLifetime(Duration.ofSeconds(4)));
        OneToOneCall call = OneToOneCall.start(this);
        short[] aliceSays = Signals.speechLike(10, 5);
        call.aliceMedia.play(aliceSays);
        eventually("alice sent everything", () -> !call.aliceMedia.sending());
        int frames = aliceSays.length / OpusFormat.FRAME_SAMPLES;
        eventually("bob played alice's 10 s", () -> call.bobMedia.recording().length >= aliceSays.length);

        assertThat(call.aliceMedia.rejoins()).as("refreshed at least every 3 s").isGreaterThanOrEqualTo(3);
        assertThat(call.bobMedia.rejoins()).isGreaterThanOrEqualTo(3);
        assertThat(call.bobMedia.stats().framesReceived()).isGreaterThanOrEqualTo(frames - 10);
        assertThat(CrossCorrelation.align(aliceSays, call.bobMedia.recording(), MAX_LAG_SAMPLES).correlation())
                .isGreaterThanOrEqualTo(0.9);
        assertThat(call.aliceMedia.stats().switches()).as("refreshing keeps the path").isZero();
    }

    /**
     * How well the last {@code samples} of {@code said} match the end of a recording of it. A
     * recording trails the original by up to {@link #MAX_LAG_SAMPLES} and ends with its last
     * frame, so that much of the end is cut: the tail starts 0..MAX_LAG after {@code samples}
     * before the recording's end.
     */
    private static double tailCorrelation(short[] said, short[] heard, int samples) {
        short[] reference = Arrays.copyOfRange(said, said.length - samples, said.length);
        short[] window = Arrays.copyOfRange(heard, Math.max(0, heard.length - samples - MAX_LAG_SAMPLES), heard.length);
        return CrossCorrelation.align(reference, window, 2 * MAX_LAG_SAMPLES).correlation();
    }
}
