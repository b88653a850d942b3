package org.parley.cli;

import org.parley.client.conversations.Conversations;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code parley group create|add|remove|rename|promote|leave|list|members}: group conversations,
 * changed by MLS commits; only a group's admins add, remove, rename and promote.
 */
@Command(name = "group", mixinStandardHelpOptions = true, description = "Create and manage group conversations.",
        subcommands = {GroupCommand.Create.class, GroupCommand.Add.class, GroupCommand.Remove.class, GroupCommand.Rename.class,
                GroupCommand.Promote.class, GroupCommand.Leave.class, GroupCommand.ListGroups.class, GroupCommand.Members.class})
final class GroupCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static <T> T run(CommandLine.Model.CommandSpec spec, String subject, java.util.function.Function<Conversations, T> work) {
        return Main.profiles(spec).withClient(client -> {
            try {
                return work.apply(client.conversations());
            } catch (ServerException e) {
                throw Profiles.explain(e, subject);
            }
        });
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create group NAME with all devices of the members and yours; you are its admin.")
    static final class Create implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--members", required = true, split = ",", paramLabel = "a,b,c", description = "Usernames to add.")
        List<String> members;

        @Override
        public Integer call() {
            Conversations.Summary created = run(spec, String.join(",", members), c -> c.createGroup(name, members));
            spec.commandLine().getOut().println("Created group " + created.name() + " with " + String.join(", ", created.members()));
            return 0;
        }
    }

    /** NAME USER, shared by add and remove. */
    abstract static class MemberChange implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "USER")
        String user;

        abstract void apply(Conversations conversations);

        abstract String done();

        @Override
        public Integer call() {
            run(spec, user, c -> {
                apply(c);
                return null;
            });
            spec.commandLine().getOut().println(done());
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add USER (all their devices) to group NAME (admins only).")
    static final class Add extends MemberChange {
        @Override
        void apply(Conversations conversations) {
            conversations.addMember(name, user);
        }

        @Override
        String done() {
            return "Added " + user + " to " + name;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove USER from group NAME; they cannot read what follows (admins only).")
    static final class Remove extends MemberChange {
        @Override
        void apply(Conversations conversations) {
            conversations.removeMember(name, user);
        }

        @Override
        String done() {
            return "Removed " + user + " from " + name;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Make member USER an admin of group NAME (admins only).")
    static final class Promote extends MemberChange {
        @Override
        void apply(Conversations conversations) {
            conversations.promote(name, user);
        }

        @Override
        String done() {
            return user + " is now an admin of " + name;
        }
    }

    @Command(name = "rename", mixinStandardHelpOptions = true, description = "Rename group NAME to NEW_NAME for everyone in it (admins only).")
    static final class Rename implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "NEW_NAME")
        String newName;

        @Override
        public Integer call() {
            run(spec, name, c -> {
                c.rename(name, newName);
                return null;
            });
            spec.commandLine().getOut().println("Renamed group " + name + " to " + newName);
            return 0;
        }
    }

    @Command(name = "leave", mixinStandardHelpOptions = true, description = "Leave group NAME (the others commit your removal).")
    static final class Leave implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            run(spec, name, c -> {
                c.leave(name);
                return null;
            });
            spec.commandLine().getOut().println("Left " + name);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List your conversations, with each group's admins.")
    static final class ListGroups implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (Conversations.Summary s : run(spec, "", Conversations::list)) {
                out.println((s.direct() ? "1:1   " : "group ") + s.name() + "  (" + String.join(", ", s.members()) + ")"
                        + (s.direct() ? "" : "  admins: " + (s.admins().isEmpty() ? "none left" : String.join(", ", s.admins()))));
            }
            return 0;
        }
    }

    @Command(name = "members", mixinStandardHelpOptions = true, description = "List the members of group NAME, marking its admins.")
    static final class Members implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Conversations.Summary group = run(spec, name, c -> c.find(name, false));
            group.members().forEach(m -> spec.commandLine().getOut().println(group.admins().contains(m) ? m + "  (admin)" : m));
            return 0;
        }
    }

}
