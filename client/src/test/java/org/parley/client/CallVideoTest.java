package org.parley.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.client.testkit.LiveServer;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.CallStats;
import org.parley.media.video.SyntheticVideo;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/** Video frames of any size, SFrame-encrypted, fragmented and reassembled through a real relay. */
@Tag("realtime")
class CallVideoTest extends LiveServerTestBase {
    private static final int FPS = 30;

    @ParameterizedTest(name = "udp at the server: {0}")
    @ValueSource(booleans = {true, false})
    void theReceiverReassemblesExactlyTheFramesSent(boolean udp) throws Exception {
        server = new LiveServer(temp.resolve("server"), udp ? OptionalInt.of(0) : OptionalInt.empty());
        OneToOneCall call = OneToOneCall.start(this);
        List<CallMedia.ReceivedVideo> received = new ArrayList<>();
        call.bobMedia.onVideo(frame -> {
            synchronized (received) {
                received.add(frame);
            }
        });
        // A key frame every 10 frames: several of 12..40 kB, i.e. 10..35 packets each.
        call.aliceMedia.startVideo(new SyntheticVideo(99, 10), FPS);
        eventually("alice sent 60 video frames", () -> call.aliceMedia.stats().videoFramesSent() >= 60);
        call.aliceMedia.stopVideo();
        Thread.sleep(200); // a frame being sent when stopped is finished
        long sent = call.aliceMedia.stats().videoFramesSent();
        eventually("bob has every frame", () -> {
            synchronized (received) {
                return received.size() >= sent;
            }
        });

        List<Long> sequences = new ArrayList<>();
        int keyFrames = 0;
        synchronized (received) {
            for (CallMedia.ReceivedVideo frame : received) {
                SyntheticVideo.Checked checked = SyntheticVideo.check(frame.data());
                assertThat(checked.sequence()).as("the frame inside is the one the packets said").isEqualTo(frame.sequence());
                assertThat(checked.keyFrame()).isEqualTo(frame.keyFrame());
                sequences.add(checked.sequence());
                if (frame.keyFrame()) {
                    keyFrames++;
                    assertThat(frame.data().length).isGreaterThan(CallMedia.VIDEO_MTU * 10);
                }
            }
        }
        assertThat(sequences).as("each frame once, none missing").containsExactlyInAnyOrderElementsOf(
                java.util.stream.LongStream.range(0, sent).boxed().toList());
        assertThat(keyFrames).isEqualTo((int) ((sent + 9) / 10));
        assertThat(call.bobMedia.undecryptable()).isZero();
        CallStats bob = call.bobMedia.stats();
        assertThat(bob.videoFramesReceived()).isEqualTo(sent);
        assertThat(bob.videoFramesLost()).isZero();
        assertThat(call.outgoing.hangUp().describe()).contains("video frames sent " + sent + ", received 0, lost 0");
    }
}
