package org.parley.cli;

import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code parley send USERNAME TEXT…} and {@code parley send --group NAME TEXT…}. */
@Command(name = "send", mixinStandardHelpOptions = true, description = "Send a text to a person (USERNAME TEXT…) or a group (--group NAME TEXT…).")
final class SendCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Target target = new Target();

    @Parameters(arity = "1..*", paramLabel = "WORDS", description = "USERNAME then the text, or only the text with --group.")
    List<String> words;

    @Override
    public Integer call() {
        String username = target.group == null ? words.get(0) : null;
        List<String> text = target.group == null ? words.subList(1, words.size()) : words;
        if (text.isEmpty()) {
            throw new IllegalArgumentException("nothing to send: give the text after " + (username == null ? "--group NAME" : username));
        }
        return Main.profiles(spec).withClient(client -> {
            try {
                var conversation = target.resolve(client.conversations(), username);
                byte[] groupId = conversation.groupId().toByteArray();
                client.conversations().sendText(groupId, String.join(" ", text));
                spec.commandLine().getOut().println(client.outgoingWaiting(groupId)
                        .map(SendCommand::queued)
                        .orElse("Sent to " + conversation.name()));
            } catch (ServerException e) {
                throw Profiles.explain(e, username == null ? target.group : username);
            }
            return 0;
        });
    }

    /**
     * What the user is told when the message waits in the profile: held back by a limit (the wait
     * rounded up to whole seconds), or, with no wait, cut off with its connection before the server
     * confirmed it.
     */
    static String queued(Duration wait) {
        if (wait.isZero() || wait.isNegative()) {
            return "queued: the connection dropped before the server confirmed it; the next parley command (receive, send,"
                    + " chat or the daemon) sends it again, and it is shown once";
        }
        return "queued: the server asked to wait " + Math.max(1, (wait.toMillis() + 999) / 1000) + " s; the next parley command"
                + " after that (receive, send, chat or the daemon) sends it";
    }
}
