package org.parley.cli;

import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code parley send-file USERNAME|--group NAME PATH}: encrypted client-side, uploaded, key sent in the message. */
@Command(name = "send-file", mixinStandardHelpOptions = true, description = "Send a file to a person or a group (encrypted before upload).")
final class SendFileCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Target target = new Target();

    @Parameters(arity = "1..2", paramLabel = "USERNAME PATH", description = "USERNAME and PATH, or only PATH with --group.")
    List<String> args;

    @Override
    public Integer call() {
        boolean direct = target.group == null;
        if (args.size() != (direct ? 2 : 1)) {
            throw new IllegalArgumentException(direct ? "give USERNAME PATH" : "give only PATH with --group NAME");
        }
        String username = direct ? args.get(0) : null;
        Path file = Path.of(args.get(args.size() - 1));
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read the file " + file + "; check the path");
        }
        return Main.profiles(spec).withClient(client -> {
            try {
                var conversation = target.resolve(client.conversations(), username);
                byte[] groupId = conversation.groupId().toByteArray();
                client.conversations().sendFile(groupId, file);
                spec.commandLine().getOut().println(client.outgoingWaiting(groupId)
                        .map(SendCommand::queued)
                        .orElse("Sent " + file.getFileName() + " to " + conversation.name()));
            } catch (ServerException e) {
                throw Profiles.explain(e, direct ? username : target.group);
            }
            return 0;
        });
    }
}
