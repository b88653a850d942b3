package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.account.LinkCode;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code parley link-accept CODE}: makes this (empty) profile a new device of the account that printed CODE. */
@Command(name = "link-accept", mixinStandardHelpOptions = true,
        description = "Join the account that printed CODE with 'parley link', as a new device in this profile.")
final class LinkAcceptCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CODE")
    String code;

    @Override
    public Integer call() {
        LinkCode link = LinkCode.decode(code);
        Profiles profiles = Main.profiles(spec);
        DeviceIdentity identity = profiles.createAndRun(store -> {
            DeviceIdentity linked;
            try {
                linked = Accounts.redeem(store, link, Profiles.RANDOM, ParleyClient.DEFAULT_TIMEOUT);
            } catch (ServerException e) {
                throw new IllegalStateException("the server refused the link code (already used, or older than 10 minutes);"
                        + " run 'parley link' on your other device for a new one", e);
            }
            RegisterCommand.publishKeyPackages(profiles, store);
            return linked;
        });
        spec.commandLine().getOut().println("This profile is now device " + identity.deviceIdHex() + " of "
                + identity.username() + " on " + identity.server()
                + "; your other device adds it to your conversations the next time it runs a parley command.");
        return 0;
    }
}
