package org.parley.cli;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.parley.client.calls.Calls;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * {@code parley chat USERNAME|--group NAME}: an interactive chat on JLine. Incoming messages are
 * printed above the prompt as they arrive; line history (up arrow) is kept in memory only, so no
 * plaintext reaches the disk outside the encrypted profile.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat interactively with a person or a group: type to send, /file PATH, /members, /call, /answer, /hangup, /quit.")
final class ChatCommand implements Callable<Integer> {
    private static final int HISTORY_SHOWN = 20;
    private static final String HELP = "/file PATH sends a file, /members lists members, " + ChatMessages.HELP
            + ", /call [OPTIONS] calls, /answer [OPTIONS] takes a call, /hangup ends it, /quit leaves";

    /** Tests replace the terminal's streams; null means the real console. */
    static InputStream input;
    static OutputStream output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Target target = new Target();

    @Parameters(arity = "0..1", paramLabel = "USERNAME")
    String username;

    @Override
    public Integer call() throws IOException {
        try (Terminal terminal = input == null ? TerminalBuilder.builder().system(true).build()
                : TerminalBuilder.builder().system(false).streams(input, output).dumb(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
            Conversations[] conversations = new Conversations[1];
            ChatMessages[] numbered = new ChatMessages[1];
            ChatCalls[] chatCalls = new ChatCalls[1];
            PrintWriter above = new PrintWriter(new LinesAbove(reader), true);
            Calls calls = new Calls();
            Consumer<ConversationEvent> live = event -> {
                if (event instanceof ConversationEvent.CallSignalled signalled) {
                    if (chatCalls[0] != null) {
                        chatCalls[0].signalled(signalled);
                    }
                } else if (event instanceof ConversationEvent.Receipted receipt) {
                    reader.printAbove(Messages.line(receipt));
                } else if (event instanceof ConversationEvent.RequestReceived) {
                    if (numbered[0] != null) {
                        conversations[0].takeNewRequests().forEach(request -> reader.printAbove(Messages.line(request)));
                    }
                } else if (event instanceof ConversationEvent.Message) {
                    if (numbered[0] != null) {
                        conversations[0].takeUnshown().forEach(shown -> reader.printAbove(numbered[0].line(shown)));
                    }
                } else {
                    reader.printAbove(Messages.notice(event));
                }
            };
            // The calls first, so that a ring is held by the time it is shown.
            return Main.profiles(spec).withClient(calls.andThen(live), client -> {
                calls.attach(client);
                Conversations.Summary conversation;
                try {
                    conversation = target.resolve(client.conversations(), username);
                } catch (ServerException e) {
                    throw Profiles.explain(e, username);
                }
                conversations[0] = client.conversations();
                ChatMessages messages = new ChatMessages(client.conversations(), client.identity().username());
                terminal.writer().println("Chat with " + conversation.name() + " (" + String.join(", ", conversation.members())
                        + "). /file PATH sends a file, /members lists members, /call calls, /help lists more, /quit leaves.");
                for (StoredMessage m : client.conversations().history(conversation.groupId().toByteArray(), HISTORY_SHOWN)) {
                    terminal.writer().println(messages.line(new Conversations.Shown(conversation.name(), conversation.direct(), m)));
                }
                // What arrived meanwhile, of this conversation or another, is shown once, after the history.
                for (Conversations.Shown shown : client.conversations().takeUnshown()) {
                    if (!Arrays.equals(shown.message().getGroupId().toByteArray(), conversation.groupId().toByteArray())) {
                        terminal.writer().println(messages.line(shown));
                    }
                }
                client.conversations().takeNewRequests().forEach(request -> terminal.writer().println(Messages.line(request)));
                numbered[0] = messages;
                terminal.flush();
                // Unlinked while chatting: nothing reaches or leaves this device any more, so the chat ends
                // (the interrupt wakes the prompt; set before it is entered, it ends the next wait).
                Thread chat = Thread.currentThread();
                AtomicBoolean chatting = new AtomicBoolean(true);
                client.unlinked().thenRun(() -> {
                    if (chatting.get()) {
                        chat.interrupt();
                    }
                });
                try (calls; ChatCalls inCall = new ChatCalls(calls, conversation, above)) {
                    chatCalls[0] = inCall;
                    loop(reader, client.conversations(), conversation, inCall, messages, () -> client.unlinked().isDone());
                    chatting.set(false);
                    if (client.unlinked().isDone()) {
                        Thread.interrupted(); // spent: the call and the client close normally
                    }
                }
                if (client.unlinked().isDone()) {
                    throw Profiles.unlinked();
                }
                return 0;
            });
        }
    }

    private static void loop(LineReader reader, Conversations conversations, Conversations.Summary conversation, ChatCalls calls,
                             ChatMessages messages, BooleanSupplier unlinked) {
        while (!unlinked.getAsBoolean()) {
            String line;
            try {
                line = reader.readLine(conversation.name() + "> ");
            } catch (UserInterruptException | EndOfFileException e) {
                return;
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.equals("/quit")) {
                    return;
                } else if (line.equals("/members")) {
                    reader.printAbove("members: " + String.join(", ", conversations.find(conversation.name(), conversation.direct()).members()));
                } else if (line.startsWith("/file ")) {
                    Path file = Path.of(line.substring(6).strip());
                    conversations.sendFile(conversation.groupId().toByteArray(), file);
                    reader.printAbove("sent " + file.getFileName());
                } else if (command(line, "/call")) {
                    calls.call(line.substring(5));
                } else if (command(line, "/answer")) {
                    calls.answer(line.substring(7));
                } else if (line.equals("/hangup")) {
                    calls.hangUp();
                } else if (line.equals("/help")) {
                    reader.printAbove(HELP);
                } else if (line.startsWith("/")) {
                    String answer = messages.run(line, conversation);
                    reader.printAbove(answer != null ? answer : "unknown command " + line.split(" ")[0] + "; try /help");
                } else {
                    reader.printAbove(messages.line(new Conversations.Shown(conversation.name(), conversation.direct(),
                            conversations.sendText(conversation.groupId().toByteArray(), line))));
                }
            } catch (RuntimeException e) {
                reader.printAbove((line.startsWith("/call") || line.startsWith("/answer") ? "no call: " : "not sent: ") + e.getMessage());
            }
        }
    }

    /** {@code line} is {@code name} alone or followed by options. */
    private static boolean command(String line, String name) {
        return line.equals(name) || line.startsWith(name + " ");
    }

    /** Prints each complete line written to it above the prompt, so call progress does not break the line being typed. */
    private static final class LinesAbove extends Writer {
        private final LineReader reader;
        private final StringBuilder pending = new StringBuilder();

        LinesAbove(LineReader reader) {
            this.reader = reader;
        }

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    reader.printAbove(pending.toString());
                    pending.setLength(0);
                } else if (chars[i] != '\r') {
                    pending.append(chars[i]);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
