package org.parley.cli;

import org.parley.client.conversations.Conversations;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code parley requests|accept|delete|block|unblock}: message requests (conversations that someone
 * you have not accepted added you to) and blocking. Until you accept, nothing about you (receipts,
 * profile key, access key) goes to the other side.
 */
final class RequestCommands {
    private RequestCommands() {
    }

    /** All of them, for {@link Main} to register. */
    static List<Object> all() {
        return List.of(new ListRequests(), new Accept(), new Delete(), new Block(), new Unblock());
    }

    private static <T> T run(CommandLine.Model.CommandSpec spec, String subject, Function<Conversations, T> work) {
        return Main.profiles(spec).withClient(client -> {
            try {
                return work.apply(client.conversations());
            } catch (ServerException e) {
                throw Profiles.explain(e, subject);
            }
        });
    }

    /** A command that makes one change and then says so. */
    private abstract static class OneChange implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** Makes the change; returns the line that tells the person it is done. */
        abstract String change();

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(change());
            return 0;
        }
    }

    @Command(name = "requests", mixinStandardHelpOptions = true,
            description = "List message requests: conversations started by people you have not accepted, waiting for"
                    + " 'parley accept', 'parley block' or 'parley delete'.")
    static final class ListRequests implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<Conversations.Request> requests = run(spec, "", Conversations::requests);
            if (requests.isEmpty()) {
                spec.commandLine().getOut().println("No message requests.");
            }
            requests.forEach(request -> spec.commandLine().getOut().println(Messages.line(request)));
            return 0;
        }
    }

    @Command(name = "accept", mixinStandardHelpOptions = true,
            description = "Accept the message request NAME, or every request from the user NAME: you can then read and"
                    + " answer it, and the other side gets your receipts and access key.")
    static final class Accept extends OneChange {
        @Parameters(index = "0", paramLabel = "NAME", description = "The request's conversation or the username who sent it.")
        String name;

        @Override
        String change() {
            run(spec, name, c -> {
                c.accept(name);
                return null;
            });
            return "Accepted " + name + "; 'parley receive' shows what it sent.";
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete the message request NAME: leave that conversation and forget its messages.")
    static final class Delete extends OneChange {
        @Parameters(index = "0", paramLabel = "NAME", description = "The request's conversation, as 'parley requests' lists it.")
        String name;

        @Override
        String change() {
            run(spec, name, c -> {
                c.delete(name);
                return null;
            });
            return "Deleted the request " + name + ".";
        }
    }

    @Command(name = "block", mixinStandardHelpOptions = true,
            description = "Block USER: drop their messages everywhere, delete their requests, leave your 1:1 with them,"
                    + " and replace your access key so that they can no longer send to you sealed.")
    static final class Block extends OneChange {
        @Parameters(index = "0", paramLabel = "USER")
        String username;

        @Override
        String change() {
            run(spec, username, c -> {
                c.block(username);
                return null;
            });
            return "Blocked " + username + "; 'parley unblock " + username + "' undoes it.";
        }
    }

    @Command(name = "unblock", mixinStandardHelpOptions = true,
            description = "Unblock USER: their new conversations arrive again, as message requests.")
    static final class Unblock extends OneChange {
        @Parameters(index = "0", paramLabel = "USER")
        String username;

        @Override
        String change() {
            run(spec, username, c -> {
                c.unblock(username);
                return null;
            });
            return "Unblocked " + username + ".";
        }
    }
}
