package org.parley.cli;

import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code parley receive [--wait SECONDS] [--json]}: prints what arrived, each message once. */
@Command(name = "receive", mixinStandardHelpOptions = true,
        description = "Print messages that arrived since the last receive, and new message requests (once each);"
                + " with --wait, keep listening that many seconds.")
final class ReceiveCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "Keep listening for new messages this long (default 0).")
    int waitSeconds;

    @Option(names = "--json", description = "One JSON object per line: id, conversation, sender, sent_at, text, attachments;"
            + " a message request as request, conversation, inviter, direct, messages.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (waitSeconds < 0) {
            throw new IllegalArgumentException("--wait takes a number of seconds, 0 or more");
        }
        PrintWriter out = spec.commandLine().getOut();
        Conversations[] conversations = new Conversations[1];
        String[] self = new String[1];
        Consumer<ConversationEvent> printer = event -> {
            String notice = Messages.notice(event);
            if (notice != null && !json) {
                out.println(notice);
            } else if ((event instanceof ConversationEvent.Message || event instanceof ConversationEvent.RequestReceived)
                    && conversations[0] != null) {
                print(conversations[0], self[0], out);
            }
        };
        return Main.profiles(spec).withClient(printer, client -> {
            self[0] = client.identity().username();
            conversations[0] = client.conversations();
            print(client.conversations(), self[0], out);
            // Send tokens are fetched here, apart in time from any send that spends them.
            client.topUpSendTokens();
            try {
                Thread.sleep(waitSeconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            print(client.conversations(), self[0], out);
            return 0;
        });
    }

    private void print(Conversations conversations, String self, PrintWriter out) {
        for (Conversations.Shown shown : conversations.takeUnshown()) {
            out.println(json ? Messages.json(shown).toString() : Messages.line(shown, self));
        }
        for (Conversations.Request request : conversations.takeNewRequests()) {
            out.println(json ? Messages.json(request).put("request", true).toString() : Messages.line(request));
        }
        out.flush();
    }
}
