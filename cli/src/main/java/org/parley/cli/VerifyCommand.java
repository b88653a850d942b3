package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.safety.SafetyNumber;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code parley verify USERNAME NUMBER}: records that the safety number matched what the other side sees. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Mark USERNAME verified if NUMBER (as read from their screen) equals your safety number.")
final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USERNAME")
    String username;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "NUMBER", description = "The 60 digits; spaces allowed.")
    List<String> number;

    @Override
    public Integer call() {
        return Main.profiles(spec).withClient(client -> {
            ParleyClient.SafetyReport report = SafetyNumberCommand.report(client, username);
            if (!SafetyNumber.matches(report.number(), String.join("", number))) {
                throw new IllegalStateException("the numbers differ: do not trust this conversation with " + username
                        + " until you find out why (run 'parley safety-number " + username + "' on both sides)");
            }
            client.markVerified(username);
            spec.commandLine().getOut().println(username + " is verified.");
            return 0;
        });
    }
}
