package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.account.LinkCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code parley link}: run on a device that has the account; prints a single-use code that a new
 * device redeems with {@code parley link-accept CODE}.
 */
@Command(name = "link", mixinStandardHelpOptions = true,
        description = "Print a one-time code (valid 10 minutes) that adds a new device to this account with 'parley link-accept CODE'.")
final class LinkCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return Main.profiles(spec).withClient(client -> {
            LinkCode code = Accounts.issueLinkCode(client.session(), client.identity());
            spec.commandLine().getOut().println("On the new device, run:\n  parley link-accept " + code.encode()
                    + "\nThe code works once, for 10 minutes.");
            return 0;
        });
    }
}
