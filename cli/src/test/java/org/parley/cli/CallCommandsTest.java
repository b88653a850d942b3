package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;
import org.parley.media.audio.WavFiles;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code parley call} and {@code parley answer} between two profiles through a real server, with WAV files. */
class CallCommandsTest {
    @TempDir
    Path temp;
    private LiveServer server;

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aCallOverUdpDeliversTheSentAudio() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        callAndCompare("udp");
    }

    @Test
    void aCallWithUdpDisabledAtTheServerGoesOverTheWebSocket() throws Exception {
        server = new LiveServer(temp.resolve("server"), OptionalInt.empty());
        callAndCompare("tcp");
    }

    @Test
    void withoutFilesOrASoundDeviceTheCommandsSayWhatToDo() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        ok("alice", "register", "alice", "--server", server.url());
        MainTest.Result r = as("alice", "answer");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--send-audio IN.wav and --record OUT.wav");
    }

    private void callAndCompare(String transport) throws Exception {
        for (String user : List.of("alice", "bob")) {
            ok(user, "register", user, "--server", server.url());
        }
        ok("alice", "send", "bob", "hi");
        Path said = temp.resolve("said.wav");
        Path heard = temp.resolve("heard.wav");
        short[] speech = Signals.speechLike(3, 7);
        WavFiles.write(said, speech);

        CompletableFuture<MainTest.Result> caller = CompletableFuture.supplyAsync(
                () -> as("alice", "call", "bob", "--send-audio", said.toString()));
        MainTest.Result answer = as("bob", "answer", "--record", heard.toString(), "--duration", "30");
        MainTest.Result call = caller.get(60, TimeUnit.SECONDS);
        assertThat(call.code()).as("call: %s", call.err()).isZero();
        assertThat(answer.code()).as("answer: %s", answer.err()).isZero();

        assertThat(call.out()).contains("Ringing bob").contains("over " + transport)
                .contains("Stats: transport " + transport + " (0 switches), frames sent " + speech.length / OpusFormat.FRAME_SAMPLES);
        assertThat(answer.out()).contains("Answering a call from alice").contains("The other side hung up.")
                .containsPattern("Stats: transport " + transport + " \\(0 switches\\), frames sent 0, received \\d+, lost \\d+, concealed \\d+,"
                        + " one-way delay mean [0-9.]+ ms, p99 \\d+ ms");
        short[] recorded = WavFiles.read(heard);
        assertThat(CrossCorrelation.align(speech, recorded, OpusFormat.SAMPLE_RATE / 20).correlation()).isGreaterThanOrEqualTo(0.9);
    }

    private MainTest.Result as(String user, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--profile";
        all[1] = temp.resolve(user).toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return MainTest.parley(all);
    }

    private void ok(String user, String... args) {
        MainTest.Result r = as(user, args);
        assertThat(r.code()).as("%s %s: %s", user, List.of(args), r.err()).isZero();
    }
}
