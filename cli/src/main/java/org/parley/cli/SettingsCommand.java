package org.parley.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code parley settings --sealed-only on|off}: who may reach this account. With sealed-only on,
 * the server refuses unsealed sends to it, so only people holding its access key (its contacts)
 * can send, and the server never sees who they are.
 */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "Change account settings on the server: --sealed-only on lets only your contacts (holders of your"
                + " access key) reach you; off (the default) lets anyone start a conversation with you.")
final class SettingsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--sealed-only", paramLabel = "on|off", required = true,
            description = "on: accept sealed sends only (from your contacts); off: anyone may write to you.")
    String sealedOnly;

    @Override
    public Integer call() {
        boolean on = switch (sealedOnly.toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--sealed-only takes on or off, not '" + sealedOnly + "'");
        };
        return Main.profiles(spec).withClient(client -> {
            client.setSealedOnly(on);
            spec.commandLine().getOut().println(on
                    ? "Sealed-only is on: only your contacts (who hold your access key) can send to you; strangers cannot"
                    + " start a conversation. Undo with: parley settings --sealed-only off"
                    : "Sealed-only is off: anyone on the server can start a conversation with you (message requests).");
            return 0;
        });
    }
}
