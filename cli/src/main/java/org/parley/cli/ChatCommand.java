package org.parley.cli;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
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
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * {@code parley chat USERNAME|--group NAME}: an interactive chat on JLine. Incoming messages are
 * printed above the prompt as they arrive; line history (up arrow) is kept in memory only, so no
 * plaintext reaches the disk outside the encrypted profile.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat interactively with a person or a group: type to send, /file PATH, /members, /quit.")
final class ChatCommand implements Callable<Integer> {
    private static final int HISTORY_SHOWN = 20;

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
            Consumer<ConversationEvent> live = event -> {
                if (event instanceof ConversationEvent.Notice notice) {
                    reader.printAbove(Messages.line(notice));
                } else if (event instanceof ConversationEvent.Receipted receipt) {
                    reader.printAbove(Messages.line(receipt));
                } else if (conversations[0] != null) {
                    conversations[0].takeUnshown().forEach(shown -> reader.printAbove(Messages.line(shown)));
                }
            };
            return Main.profiles(spec).withClient(live, client -> {
                Conversations.Summary conversation;
                try {
                    conversation = target.resolve(client.conversations(), username);
                } catch (ServerException e) {
                    throw Profiles.explain(e, username);
                }
                conversations[0] = client.conversations();
                terminal.writer().println("Chat with " + conversation.name() + " (" + String.join(", ", conversation.members())
                        + "). /file PATH sends a file, /members lists members, /quit leaves.");
                for (StoredMessage m : client.conversations().history(conversation.groupId(), HISTORY_SHOWN)) {
                    terminal.writer().println(Messages.line(new Conversations.Shown(conversation.name(), m)));
                }
                client.conversations().takeUnshown();
                terminal.flush();
                loop(reader, client.conversations(), conversation);
                return 0;
            });
        }
    }

    private static void loop(LineReader reader, Conversations conversations, Conversations.Summary conversation) {
        while (true) {
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
                    conversations.sendFile(conversation.groupId(), file);
                    reader.printAbove("sent " + file.getFileName());
                } else if (line.startsWith("/")) {
                    reader.printAbove("unknown command " + line.split(" ")[0] + "; try /file PATH, /members or /quit");
                } else {
                    conversations.sendText(conversation.groupId(), line);
                }
            } catch (RuntimeException e) {
                reader.printAbove("not sent: " + e.getMessage());
            }
        }
    }
}
