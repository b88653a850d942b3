package org.parley.cli;

import org.parley.client.calls.Call;
import org.parley.client.calls.CallException;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.Calls;
import org.parley.client.content.v1.CallSignal;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * Calls inside {@code parley chat}: {@code /call} rings the chat's conversation, {@code /answer}
 * takes a ring that was shown, {@code /hangup} ends the call; both take the media options of
 * {@code parley call}. A call runs on its own thread so that chatting goes on meanwhile; it
 * prints through {@code out}, above the prompt, and its stats when it ends.
 */
final class ChatCalls implements AutoCloseable {
    /** How long /answer looks for a ring that arrived (it was shown already, so it is there). */
    private static final Duration RING_LOOKUP = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 200;
    /** How long /hangup and /quit wait for the call to end and print its stats. */
    private static final long END_WAIT_MILLIS = 15_000;

    /** The chat-line form of the media options. */
    @Command(name = "/call")
    static final class Options {
        @CommandLine.Mixin
        CallAudio audio = new CallAudio();
    }

    private final Calls calls;
    private final Conversations.Summary conversation;
    private final PrintWriter out;
    private Thread running;
    private volatile boolean hangUpRequested;

    ChatCalls(Calls calls, Conversations.Summary conversation, PrintWriter out) {
        this.calls = calls;
        this.conversation = conversation;
        this.out = out;
    }

    /** Shows a ring as it arrives, with how to take it. */
    void signalled(ConversationEvent.CallSignalled event) {
        if (event.signal().getKind() == CallSignal.Kind.RING) {
            out.println("Incoming " + CallAudio.callKind(event.signal().getVideo()) + " from " + event.sender()
                    + (event.conversation().equals(event.sender()) ? "" : " in " + event.conversation())
                    + ": /answer to take it (/answer --record OUT.wav to record it).");
            out.flush();
        }
    }

    /** {@code /call [options]}: rings this chat's conversation. */
    synchronized void call(String arguments) {
        CallAudio audio = options(arguments, "/call");
        if (audio == null || busy()) {
            return;
        }
        short[] samples = audio.prepare();
        start(() -> {
            Call call = calls.ring(conversation.groupId().toByteArray(), conversation.name(), audio.sendsVideo());
            out.println("Ringing " + conversation.name() + "… (/hangup to give up)");
            out.flush();
            try (call) {
                if (!await(() -> call.awaitAccepted(Duration.ofMillis(POLL_MILLIS)) || call.endedByOthers())
                        || call.endedByOthers()) {
                    boolean declined = call.endedByOthers();
                    call.hangUp();
                    out.println(hangUpRequested ? "Call cancelled." : conversation.name() + (declined ? " declined the call." : " did not answer."));
                    return;
                }
                CallMedia media = audio.join(call);
                audio.run(call, media, samples, true, out, () -> hangUpRequested);
            }
        });
    }

    /** {@code /answer [options]}: takes the call that rang. */
    synchronized void answer(String arguments) {
        CallAudio audio = options(arguments, "/answer");
        if (audio == null || busy()) {
            return;
        }
        short[] samples = audio.prepare();
        Call call;
        try {
            call = calls.awaitRing(RING_LOOKUP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (CallException e) {
            out.println("nobody is calling");
            out.flush();
            return;
        }
        start(() -> {
            try (call) {
                out.println("Answering a " + CallAudio.callKind(call.video()) + " from " + call.conversation());
                out.flush();
                // Joined before accepting, so that the caller's first frames find this device in the call.
                CallMedia media = audio.join(call);
                call.accept();
                if (!await(() -> call.awaitJoined(Duration.ofMillis(POLL_MILLIS)))) {
                    call.leave();
                    out.println(hangUpRequested ? "Call ended." : "the caller did not join");
                    return;
                }
                // In a 1:1 call /hangup ends it for both; in a group, answering and then hanging up leaves.
                audio.run(call, media, samples, conversation.direct(), out, () -> hangUpRequested);
            }
        });
    }

    /** {@code /hangup}: ends the call in progress and waits for its stats. */
    void hangUp() {
        Thread call;
        synchronized (this) {
            call = running;
        }
        if (call == null || !call.isAlive()) {
            out.println("no call to hang up");
            out.flush();
            return;
        }
        hangUpRequested = true;
        try {
            call.join(END_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leaving the chat hangs up a call in progress. */
    @Override
    public void close() {
        Thread call;
        synchronized (this) {
            call = running;
        }
        if (call != null && call.isAlive()) {
            hangUp();
        }
    }

    private interface Step {
        boolean done() throws InterruptedException;
    }

    private interface CallWork {
        void run() throws InterruptedException;
    }

    /** Polls {@code step} until it is done (true), /hangup is typed or the signalling wait ends (false). */
    private boolean await(Step step) throws InterruptedException {
        long deadline = System.nanoTime() + CallAudio.SIGNAL_WAIT.toNanos();
        while (!hangUpRequested && System.nanoTime() < deadline) {
            if (step.done()) {
                return true;
            }
        }
        return false;
    }

    private boolean busy() {
        if (running != null && running.isAlive()) {
            out.println("already in a call; /hangup first");
            out.flush();
            return true;
        }
        return false;
    }

    private void start(CallWork work) {
        hangUpRequested = false;
        running = new Thread(() -> {
            try {
                work.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                out.println("the call failed: " + e.getMessage());
            }
            out.flush();
        }, "parley-chat-call");
        running.setDaemon(true);
        running.start();
    }

    /** Parses a chat command's options, or prints why they are wrong and returns null. */
    private CallAudio options(String arguments, String command) {
        Options options = new Options();
        try {
            new CommandLine(options).parseArgs(arguments.isBlank() ? new String[0] : arguments.strip().split("\\s+"));
        } catch (CommandLine.ParameterException e) {
            out.println(command + ": " + e.getMessage() + "; options: [--send-audio IN.wav] [--record OUT.wav] [--video-fps N] [--duration S]");
            out.flush();
            return null;
        }
        return options.audio;
    }
}
