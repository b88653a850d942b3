package org.parley.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code parley trust USERNAME}: accepts USERNAME's changed account key without comparing safety
 * numbers, so that sending to them works again; they stay unverified.
 */
@Command(name = "trust", mixinStandardHelpOptions = true,
        description = "Accept USERNAME's new account key without verifying it (sending to them works again; they stay unverified).")
final class TrustCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USERNAME")
    String username;

    @Override
    public Integer call() {
        return Main.profiles(spec).withClient(client -> {
            client.trust(username);
            spec.commandLine().getOut().println("Accepted " + username + "'s current account key. " + username
                    + " is not verified: compare safety numbers when you can ('parley safety-number " + username + "').");
            return 0;
        });
    }
}
