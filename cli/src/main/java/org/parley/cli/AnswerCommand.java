package org.parley.cli;

import org.parley.client.calls.Call;
import org.parley.client.calls.CallException;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.Calls;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code parley answer [--send-audio IN.wav] [--record OUT.wav] [--video-fps N] [--duration S]}: waits for a ring and takes the call. */
@Command(name = "answer", mixinStandardHelpOptions = true,
        description = "Wait for a call (up to 60 s) and answer it; prints the call's stats at the end."
                + " Without --send-audio and --record the microphone and speaker are used.")
final class AnswerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    CallAudio audio = new CallAudio();

    @Override
    public Integer call() {
        short[] samples = audio.prepare();
        PrintWriter out = spec.commandLine().getOut();
        Calls calls = new Calls();
        return Main.profiles(spec).withClient(calls, client -> {
            calls.attach(client);
            try (calls; Call call = calls.awaitRing(CallAudio.SIGNAL_WAIT)) {
                out.println("Answering a " + CallAudio.callKind(call.video()) + " from " + call.conversation());
                out.flush();
                // Joined before accepting, so that the caller's first frames find this device in the call.
                CallMedia media = audio.join(call);
                call.accept();
                if (!call.awaitJoined(CallAudio.SIGNAL_WAIT)) {
                    call.leave();
                    throw new CallException("the caller did not join within " + CallAudio.SIGNAL_WAIT.toSeconds() + " s");
                }
                return audio.run(call, media, samples, false, out, () -> false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CallException("interrupted");
            }
        });
    }
}
