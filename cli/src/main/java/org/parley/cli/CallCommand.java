package org.parley.cli;

import org.parley.client.calls.Call;
import org.parley.client.calls.CallException;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.Calls;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code parley call USERNAME|--group NAME [--send-audio IN.wav] [--record OUT.wav] [--video-fps N] [--duration S]}. */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = "Call a person (USERNAME) or a group (--group NAME), end-to-end encrypted; prints the call's stats at the end."
                + " Without --send-audio and --record the microphone and speaker are used.")
final class CallCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Target target = new Target();

    @CommandLine.Mixin
    CallAudio audio = new CallAudio();

    @Parameters(arity = "0..1", paramLabel = "USERNAME", description = "Who to call (omit with --group).")
    String username;

    @Override
    public Integer call() {
        short[] samples = audio.prepare();
        PrintWriter out = spec.commandLine().getOut();
        Calls calls = new Calls();
        return Main.profiles(spec).withClient(calls, client -> {
            calls.attach(client);
            try (calls) {
                var conversation = target.resolve(client.conversations(), username);
                Call call = calls.ring(conversation.groupId().toByteArray(), conversation.name(), audio.sendsVideo());
                out.println("Ringing " + conversation.name() + "…");
                out.flush();
                if (!call.awaitAccepted(CallAudio.SIGNAL_WAIT)) {
                    if (call.endedByOthers()) {
                        throw new CallException(conversation.name() + " declined the call");
                    }
                    call.hangUp();
                    throw new CallException(conversation.name() + " did not answer within "
                            + CallAudio.SIGNAL_WAIT.toSeconds() + " s; they answer with 'parley answer'");
                }
                try (call) {
                    CallMedia media = audio.join(call);
                    return audio.run(call, media, samples, true, out, () -> false);
                }
            } catch (ServerException e) {
                throw Profiles.explain(e, username == null ? target.group : username);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CallException("interrupted");
            }
        });
    }
}
