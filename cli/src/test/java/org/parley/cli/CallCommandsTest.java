package org.parley.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testkit.TempProfiles;
import org.parley.client.calls.SoundLines;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;
import org.parley.media.audio.WavFiles;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@code parley call} and {@code parley answer} between two profiles through a real server, with WAV files. */
@Tag("realtime")
class CallCommandsTest {
    @TempDir
    Path temp;
    private LiveServer server;
    private UserCommands users;

    @BeforeEach
    void profiles() {
        users = new UserCommands(new TempProfiles(temp));
    }

    @AfterEach
    void stop() {
        ChatCommand.input = null;
        ChatCommand.output = null;
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
        assumeFalse(SoundLines.available(), "this machine has a sound device: calls without files would go live");
        server = new LiveServer(temp.resolve("server"));
        ok("alice", "register", "alice", "--server", server.url());
        for (String[] command : List.of(new String[] {"answer"}, new String[] {"call", "bob"}, new String[] {"answer", "--video-fps", "5"})) {
            MainTest.Result r = as("alice", command);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("this machine has no sound device").contains("--send-audio IN.wav and --record OUT.wav")
                    .doesNotContain("Exception");
        }
        MainTest.Result badRate = as("alice", "call", "bob", "--record", temp.resolve("x.wav").toString(), "--video-fps", "0");
        assertThat(badRate.code()).isEqualTo(1);
        assertThat(badRate.err()).contains("--video-fps must be between 1 and 60, was 0");
    }

    @Test
    void videoFramesSentAlongsideAudioArriveWholeAndAreCounted() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        aliceAndBobHaveAConversation();
        Path said = temp.resolve("said.wav");
        Path heard = temp.resolve("heard.wav");
        short[] speech = speech(said, 3, 8);

        CompletableFuture<MainTest.Result> caller = CompletableFuture.supplyAsync(
                () -> as("alice", "call", "bob", "--send-audio", said.toString(), "--video-fps", "15"));
        MainTest.Result answer = as("bob", "answer", "--record", heard.toString(), "--duration", "30", "--video-fps", "10");
        MainTest.Result call = caller.get(60, TimeUnit.SECONDS);
        assertThat(call.code()).as("call: %s", call.err()).isZero();
        assertThat(answer.code()).as("answer: %s", answer.err()).isZero();
        assertThat(answer.out()).as("the ring said it offers video").contains("Answering a video call from alice");

        Matcher sent = Pattern.compile("video frames sent (\\d+), received (\\d+), lost 0").matcher(call.out());
        assertThat(sent.find()).as(call.out()).isTrue();
        long aliceSent = Long.parseLong(sent.group(1));
        // 3 s of audio plus the 1 s tail at 15 frames/s, with key frames of 12..40 kB every 30 frames.
        assertThat(aliceSent).isBetween(45L, 90L);
        assertThat(Long.parseLong(sent.group(2))).as("alice got bob's video").isPositive();
        assertThat(answer.out()).containsPattern("video frames sent \\d+, received " + aliceSent + ", lost 0")
                .contains("Video check: " + aliceSent + " frames arrived intact, 0 damaged");
        assertThat(call.out()).containsPattern("Video check: \\d+ frames arrived intact, 0 damaged");
        assertThat(CrossCorrelation.alignEitherWay(speech, WavFiles.read(heard), OpusFormat.SAMPLE_RATE / 20).correlation())
                .as("audio still matches with video alongside").isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void chatCallsRingAnswerAndHangUpInsideTheChat() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        aliceAndBobHaveAConversation();
        Path said = temp.resolve("said.wav");
        short[] speech = speech(said, 3, 9);

        // 1. alice types /call in her chat; bob answers with the command.
        Path bobHeard = temp.resolve("bob-heard.wav");
        CompletableFuture<MainTest.Result> bob = CompletableFuture.supplyAsync(
                () -> as("bob", "answer", "--record", bobHeard.toString(), "--duration", "30"));
        Chat alice = Chat.open(this, "alice", "bob");
        alice.type("/call --send-audio " + said + " --video-fps 5");
        alice.await("Ringing bob");
        alice.await("In the call with bob over udp");
        String ended = alice.await("Stats: transport udp");
        MainTest.Result answered = bob.get(60, TimeUnit.SECONDS);
        assertThat(answered.code()).as(answered.err()).isZero();
        assertThat(answered.out()).contains("The other side hung up.");
        assertThat(ended).contains("Call ended.").containsPattern("frames sent " + speech.length / OpusFormat.FRAME_SAMPLES
                + ", .*video frames sent \\d+");
        assertThat(CrossCorrelation.alignEitherWay(speech, WavFiles.read(bobHeard), OpusFormat.SAMPLE_RATE / 20).correlation())
                .isGreaterThanOrEqualTo(0.9);

        // 2. bob calls; the ring shows in alice's chat, she answers there and hangs up there.
        Path aliceHeard = temp.resolve("alice-heard.wav");
        CompletableFuture<MainTest.Result> bobCalls = CompletableFuture.supplyAsync(
                () -> as("bob", "call", "alice", "--send-audio", said.toString(), "--duration", "30"));
        alice.await("Incoming call from bob: /answer to take it");
        alice.type("/answer --record " + aliceHeard);
        alice.await("Answering a call from bob");
        alice.await("In the call with bob");
        Thread.sleep(4_000); // bob's 3 s of audio
        alice.type("/hangup");
        alice.await("Recorded 3.0 s to " + aliceHeard);
        assertThat(alice.await("Stats:")).contains("Call ended.");
        MainTest.Result called = bobCalls.get(60, TimeUnit.SECONDS);
        assertThat(called.code()).as(called.err()).isZero();
        assertThat(called.out()).contains("The other side hung up.");
        assertThat(CrossCorrelation.alignEitherWay(speech, WavFiles.read(aliceHeard), OpusFormat.SAMPLE_RATE / 20).correlation())
                .isGreaterThanOrEqualTo(0.9);

        // 3. Mistakes get an answer, and the chat goes on.
        alice.type("/hangup");
        alice.await("no call to hang up");
        alice.type("/answer --record " + aliceHeard);
        alice.await("nobody is calling");
        alice.type("/call --video-fps 500 --record " + aliceHeard);
        alice.await("no call: --video-fps must be between 1 and 60");
        if (!SoundLines.available()) {
            alice.type("/call");
            alice.await("no call: this machine has no sound device");
        }
        alice.type("/call --bogus");
        alice.await("/call: Unknown option: '--bogus'");
        MainTest.Result chat = alice.quit();
        assertThat(chat.code()).as(chat.err()).isZero();
    }

    /** {@code parley chat} on a thread, typed into through a pipe, its screen read as it fills. */
    private static final class Chat {
        private final PrintWriter keyboard;
        private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
        private final CompletableFuture<MainTest.Result> running;
        private int seen;

        private Chat(CallCommandsTest test, String user, String with) throws Exception {
            PipedOutputStream typed = new PipedOutputStream();
            ChatCommand.input = new PipedInputStream(typed);
            ChatCommand.output = screen;
            keyboard = new PrintWriter(typed, true, StandardCharsets.UTF_8);
            running = CompletableFuture.supplyAsync(() -> test.as(user, "chat", with));
            await("Chat with " + with);
        }

        static Chat open(CallCommandsTest test, String user, String with) throws Exception {
            return new Chat(test, user, with);
        }

        void type(String line) {
            keyboard.println(line);
        }

        /**
         * Waits until a line containing {@code text} is complete after what earlier waits matched;
         * returns the screen from there to the end of that line.
         */
        String await(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String shown = screen.toString(StandardCharsets.UTF_8);
                int at = shown.indexOf(text, seen);
                int end = at < 0 ? -1 : shown.indexOf('\n', at);
                if (end >= 0) {
                    String since = shown.substring(seen, end);
                    seen = end;
                    return since;
                }
                assertThat(System.nanoTime()).as("waiting for '%s' in the chat:%n%s", text, shown).isLessThan(deadline);
                Thread.sleep(20);
            }
        }

        MainTest.Result quit() throws Exception {
            type("/quit");
            MainTest.Result result = running.get(30, TimeUnit.SECONDS);
            ChatCommand.input = null;
            ChatCommand.output = null;
            return result;
        }
    }

    private void callAndCompare(String transport) throws Exception {
        aliceAndBobHaveAConversation();
        WavCall.callAndCompare(users, temp, "alice", "bob", transport, 3);
    }

    @Test
    void aCallerKilledMidCallStillHangsUp() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        aliceAndBobHaveAConversation();
        Path said = temp.resolve("said.wav");
        speech(said, 30, 3);
        CompletableFuture<MainTest.Result> bob = CompletableFuture.supplyAsync(
                () -> as("bob", "answer", "--record", temp.resolve("bob-heard.wav").toString(), "--duration", "60"));
        // alice calls from a process of her own, as from a terminal, and is killed (SIGTERM, as Ctrl-C) mid-call.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path aliceOut = temp.resolve("alice-call.out");
        Process alice = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--profile", temp.resolve("alice").toString(), "call", "bob", "--send-audio", said.toString())
                .redirectErrorStream(true).redirectOutput(aliceOut.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(aliceOut).contains("In the call with bob") && System.nanoTime() < deadline) {
                assertThat(alice.isAlive()).as(Files.readString(aliceOut)).isTrue();
                Thread.sleep(50);
            }
            Thread.sleep(1000);
            alice.destroy();
            assertThat(alice.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long killed = System.nanoTime();
            MainTest.Result answered = bob.get(60, TimeUnit.SECONDS);
            assertThat(answered.code()).as(answered.err()).isZero();
            assertThat(answered.out()).contains("The other side hung up.");
            assertThat(System.nanoTime() - killed).as("bob did not wait out his 60 s").isLessThan(TimeUnit.SECONDS.toNanos(30));
        } finally {
            alice.destroyForcibly();
        }
    }

    /** Registers alice and bob on the test's server and starts their 1:1 (bob accepts it), which a call needs. */
    private void aliceAndBobHaveAConversation() {
        for (String user : List.of("alice", "bob")) {
            ok(user, "register", user, "--server", server.url());
        }
        ok("alice", "send", "bob", "hi");
        ok("bob", "accept", "alice");
    }

    /** Writes {@code seconds} of speech-like audio to {@code file} and returns it. */
    private static short[] speech(Path file, int seconds, int seed) throws Exception {
        short[] speech = Signals.speechLike(seconds, seed);
        WavFiles.write(file, speech);
        return speech;
    }

    private MainTest.Result as(String user, String... args) {
        return users.as(user, args);
    }

    private void ok(String user, String... args) {
        users.ok(user, args);
    }
}
