package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.net.ServerException;
import org.parley.protocol.v1.ErrorCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * {@code parley link-accept CODE}: run on a device already signed in; checks that the device
 * waiting with CODE is the one showing it (the code's fingerprint of its keys), certifies it with
 * the account key, and adds it to this account's conversations as soon as it has published its
 * key packages.
 */
@Command(name = "link-accept", mixinStandardHelpOptions = true,
        description = "Add the new device that shows CODE ('parley link' on it) to your account and your conversations.")
final class LinkAcceptCommand implements Callable<Integer> {
    /** How often to look for the new device's key packages: it publishes them right after the approval. */
    private static final Duration POLL = Duration.ofMillis(500);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CODE")
    String code;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the new device's keys before leaving it to a later command (default ${DEFAULT-VALUE}).")
    long waitSeconds;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // A device the server lists that no device of this account approved is shown, never added.
        return Main.profiles(spec).withClient(event -> {
            if (event instanceof ConversationEvent.UncertifiedDevice) {
                out.println(Messages.notice(event));
            }
        }, client -> {
            byte[] device;
            try {
                device = Accounts.approveLink(client.session(), client.identity(), code, client.random());
            } catch (ServerException e) {
                if (e.code() == ErrorCode.ACCESS_DENIED || e.code() == ErrorCode.NOT_FOUND) {
                    throw new IllegalStateException("no new device is waiting with that code (mistyped, already used, or older"
                            + " than 10 minutes); run 'parley link --server URL' on the new device again", e);
                }
                throw Profiles.explain(e, code);
            }
            out.println("Device " + HexFormat.of().formatHex(device) + " is now linked to " + client.identity().username() + ".");
            out.println(addToConversations(client)
                    ? "It takes part in all your conversations."
                    : "It has not published its keys yet; it joins your conversations the next time a parley command runs here.");
            return 0;
        });
    }

    private boolean addToConversations(ParleyClient client) {
        Instant deadline = Instant.now().plusSeconds(waitSeconds);
        while (!client.syncOwnDevices()) {
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
