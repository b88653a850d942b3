package org.parley.cli;

import org.parley.client.account.DeviceIdentity;
import org.parley.client.account.ServerAddresses;
import org.parley.client.net.Endpoint;
import org.parley.client.store.ProfileStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;

/**
 * {@code parley servers}: the profile's server addresses in the order they are tried (the
 * registered one, those added here, those the server announced), which one worked last, and the
 * server key pinned; {@code add} and {@code remove} change the added ones. Works offline.
 */
@Command(name = "servers", mixinStandardHelpOptions = true,
        description = "List the addresses this profile tries in turn to reach its server (and which worked last);"
                + " add or remove your own with 'servers add' and 'servers remove'.",
        subcommands = {ServersCommand.Add.class, ServersCommand.Remove.class})
final class ServersCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return withAddresses(spec, (store, addresses) -> {
            PrintWriter out = spec.commandLine().getOut();
            List<ServerAddresses.Entry> entries = addresses.entries();
            for (int i = 0; i < entries.size(); i++) {
                ServerAddresses.Entry entry = entries.get(i);
                out.println((i + 1) + "  " + entry.endpoint() + "  " + switch (entry.source()) {
                    case REGISTERED -> "registered";
                    case ADDED -> "added";
                    case ANNOUNCED -> "announced by the server";
                } + (entry.lastWorking() ? "  (worked last)" : ""));
            }
            DeviceIdentity identity = DeviceIdentity.load(store);
            out.println(identity.serverKey().length == 0 ? "server key: not pinned yet (it is at the next connection)"
                    : "server key: " + HexFormat.of().formatHex(identity.serverKey()));
            return 0;
        });
    }

    /** Runs {@code work} on the profile's address list; the profile is closed after. */
    private static Integer withAddresses(CommandLine.Model.CommandSpec spec,
                                         BiFunction<ProfileStore, ServerAddresses, Integer> work) {
        try (ProfileStore store = Main.profiles(spec).open()) {
            return work.apply(store, new ServerAddresses(DeviceIdentity.load(store)));
        }
    }

    /** A change to the addresses the user added; saved at once. */
    private abstract static class Change implements Callable<Integer> {
        /** What a change does to the list, given the address as the user wrote it. */
        interface Operation {
            Endpoint apply(ServerAddresses addresses, ProfileStore store, String address);
        }

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ADDRESS",
                description = "A server URL (http(s)://HOST:PORT[/PATH]) or bridge link (parley://bridge?...); to remove, also"
                        + " the number 'parley servers' shows.")
        String address;

        private final String done;
        private final Operation operation;

        Change(String done, Operation operation) {
            this.done = done;
            this.operation = operation;
        }

        @Override
        public Integer call() {
            return withAddresses(spec, (store, addresses) -> {
                spec.commandLine().getOut().println(done + operation.apply(addresses, store, address));
                return 0;
            });
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add an address of this profile's server, tried after the ones before it: a server URL or a bridge link.")
    static final class Add extends Change {
        Add() {
            super("Added ", (addresses, store, address) -> addresses.add(store, address));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove an address you added, by its number in 'parley servers' or as written.")
    static final class Remove extends Change {
        Remove() {
            super("Removed ", (addresses, store, address) -> addresses.remove(store, address));
        }
    }
}
