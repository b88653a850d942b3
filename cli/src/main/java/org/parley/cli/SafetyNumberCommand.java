package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.net.ServerException;
import org.parley.client.safety.Contacts;
import org.parley.client.safety.SafetyNumber;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code parley safety-number USERNAME}: the 60 digits both people compare, computed from the two
 * account keys this device holds; whether they are verified, and a warning when USERNAME's account
 * key changed.
 */
@Command(name = "safety-number", mixinStandardHelpOptions = true,
        description = "Show the 60-digit safety number between you and USERNAME; compare it in person or on a call.")
final class SafetyNumberCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USERNAME")
    String username;

    @Override
    public Integer call() {
        return Main.profiles(spec).withClient(client -> {
            ParleyClient.SafetyReport report = report(client, username);
            PrintWriter out = spec.commandLine().getOut();
            if (report.observation() == Contacts.Observation.CHANGED || report.contact().getChanged()) {
                out.println(changedWarning(username));
            } else if (report.observation() == Contacts.Observation.NAME_TAKEN_BACK) {
                out.println("WARNING: someone you met in a conversation called itself " + username + ", but the server says "
                        + username + " is another account; this number is for the real " + username + ". Conversations listed as '"
                        + username + " (unconfirmed)' are not with " + username);
            }
            out.println(SafetyNumber.format(report.number()));
            out.println(report.contact().getVerified() ? username + " is verified."
                    : "Not verified. If it matches on " + username + "'s screen: parley verify " + username + " NUMBER");
            if (report.contact().getNeedsAcceptance()) {
                out.println("Sending to " + username + " is blocked until you verify the new key, or accept it without"
                        + " verifying: parley trust " + username);
            }
            return 0;
        });
    }

    static ParleyClient.SafetyReport report(ParleyClient client, String username) {
        try {
            return client.safetyNumber(username);
        } catch (ServerException e) {
            throw Profiles.explain(e, username);
        }
    }

    static String changedWarning(String username) {
        return "!!! WARNING: " + username + "'s account key CHANGED (someone may be in between). !!!\n"
                + "!!! Compare the safety number with " + username + " before trusting this conversation. !!!";
    }
}
