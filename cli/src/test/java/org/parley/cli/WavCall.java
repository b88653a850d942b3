package org.parley.cli;

import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;
import org.parley.media.audio.WavFiles;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One call placed with the `parley` command, as a person with WAV files would: the caller sends
 * seconds of speech-like audio ({@code call --send-audio}), the callee answers and records it
 * ({@code answer --record}); both must end well, over the transport expected, and what the callee
 * recorded must match what was sent (cross-correlation at least 0.9, aligned within 50 ms either way:
 * the recording starts at the first frame received, later in what was sent when the callee joined
 * the relay after the caller's first frame; that took CI's runs to 0.14 twice). The two
 * users need a conversation (one sent, the other accepted). Works whichever servers or nodes the
 * two are registered on.
 */
final class WavCall {
    static final double MIN_CORRELATION = 0.9;

    private WavCall() {
    }

    /** The audio frames {@code seconds} of speech make. */
    static int framesOf(int seconds) {
        return seconds * OpusFormat.SAMPLE_RATE / OpusFormat.FRAME_SAMPLES;
    }

    /**
     * {@code caller} calls {@code callee} with {@code seconds} of speech; asserts both ends and the
     * audio, with {@code transport} ("udp", or "tcp" for the WebSocket) the only one used.
     *
     * @return the cross-correlation of what was sent and what was heard
     */
    static double callAndCompare(UserCommands users, Path temp, String caller, String callee, String transport, int seconds)
            throws Exception {
        Path said = temp.resolve(caller + "-said.wav");
        Path heard = temp.resolve(callee + "-heard.wav");
        short[] speech = Signals.speechLike(seconds, 7);
        WavFiles.write(said, speech);

        CompletableFuture<MainTest.Result> calling = CompletableFuture.supplyAsync(
                () -> users.as(caller, "call", callee, "--send-audio", said.toString()));
        MainTest.Result answer = users.as(callee, "answer", "--record", heard.toString(), "--duration", "30");
        MainTest.Result call = calling.get(60, TimeUnit.SECONDS);
        assertThat(call.code()).as("call: %s", call.err()).isZero();
        assertThat(answer.code()).as("answer: %s", answer.err()).isZero();

        assertThat(call.out()).contains("Ringing " + callee).contains("over " + transport)
                .contains("Stats: transport " + transport + " (0 switches), frames sent " + framesOf(seconds));
        assertThat(answer.out()).contains("Answering a call from " + caller).contains("The other side hung up.")
                .containsPattern("Stats: transport " + transport + " \\(0 switches\\), frames sent 0, received \\d+, lost \\d+, concealed \\d+,"
                        + " one-way delay mean [0-9.]+ ms, p99 \\d+ ms");
        double correlation = CrossCorrelation.alignEitherWay(speech, WavFiles.read(heard), OpusFormat.SAMPLE_RATE / 20).correlation();
        // The stats lines say, when it fails, whether frames were lost or late (a recording that starts late is shifted).
        assertThat(correlation).as("what %s heard of what %s sent; %s said: %s; %s said: %s", callee, caller,
                callee, statsLine(answer.out()), caller, statsLine(call.out())).isGreaterThanOrEqualTo(MIN_CORRELATION);
        return correlation;
    }

    private static String statsLine(String output) {
        return output.lines().filter(line -> line.contains("Stats:")).findFirst().orElse("(no stats line)");
    }
}
