package org.parley.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.parley.server.ServerStores;
import org.parley.server.accounts.Username;
import org.parley.server.admin.Disclosure;
import org.parley.server.admin.Stats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code parley admin}: the operator's view of a server's store (works while the server runs). */
@Command(name = "admin", mixinStandardHelpOptions = true,
        description = "Operator commands on a server's data: disclose, stats, invite, backup, restore.",
        subcommands = {AdminCommand.Disclose.class, AdminCommand.StatsCommand.class, AdminCommand.Invite.class,
                BackupCommands.Backup.class, BackupCommands.Restore.class})
final class AdminCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    @Command(name = "disclose", mixinStandardHelpOptions = true,
            description = "Print everything the server stores about an account (what a lawful request would get): every row "
                    + "of every table that names the account or one of its devices.")
    static final class Disclose implements Runnable {
        @Spec
        CommandSpec spec;

        @Mixin
        StoreOptions store;

        @Parameters(paramLabel = "USERNAME", description = "The account's username.")
        String username;

        @Override
        public void run() {
            Username name = Username.parse(username);
            try (ServerStores opened = ServerStores.openExisting(store.storeConfig())) {
                Disclosure disclosure = opened.admin().disclose(name).orElseThrow(() -> new IllegalArgumentException(
                        "no account named '" + name + "' in " + opened.config().url()
                                + "; check the username, and --data or --db"));
                spec.commandLine().getOut().print(disclosure.text());
            }
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Print the server's counts as JSON.")
    static final class StatsCommand implements Runnable {
        @Spec
        CommandSpec spec;

        @Mixin
        StoreOptions store;

        @Override
        public void run() {
            try (ServerStores opened = ServerStores.openExisting(store.storeConfig())) {
                Stats stats = opened.admin().stats();
                Map<String, Long> out = new LinkedHashMap<>();
                out.put("accounts", stats.accounts());
                out.put("devices", stats.devices());
                out.put("keyPackages", stats.keyPackages());
                out.put("pendingMessages", stats.pendingMessages());
                out.put("pendingBytes", stats.pendingBytes());
                out.put("groups", stats.groups());
                out.put("attachments", stats.attachments());
                out.put("attachmentBytes", stats.attachmentBytes());
                spec.commandLine().getOut().println(json(out));
            }
        }
    }

    @Command(name = "invite", mixinStandardHelpOptions = true,
            description = "Create a single-use invite code for a server started with --invite-only, and print it.")
    static final class Invite implements Runnable {
        @Spec
        CommandSpec spec;

        @Mixin
        StoreOptions store;

        @Override
        public void run() {
            try (ServerStores opened = ServerStores.openExisting(store.storeConfig())) {
                spec.commandLine().getOut().println(HexFormat.of().formatHex(opened.accounts().createInviteCode()));
            }
        }
    }
}
