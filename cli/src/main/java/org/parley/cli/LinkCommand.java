package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code parley link --server URL}: run on the new device; prints a one-time code (the server's
 * code and a fingerprint of this device's keys), waits until a device already signed in to the
 * account checks and approves it with {@code parley link-accept CODE}, then saves this device,
 * certified by the account key, and publishes its key packages. A fresh profile is removed again
 * on failure.
 */
@Command(name = "link", mixinStandardHelpOptions = true,
        description = "Make this (empty) profile a new device of your account: prints a code to approve with"
                + " 'parley link-accept CODE' on a device already signed in, and waits for that.")
final class LinkCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--server", required = true, paramLabel = "URL",
            description = "http(s)://HOST:PORT (or ws(s)://) of your account's server, or a bridge link parley://bridge?...&server=URL")
    String server;

    @Option(names = "--bridge", paramLabel = "LINK", description = "Reach the server through this bridge (parley://bridge?host=...&port=...&pin=...).")
    String bridge;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "600",
            description = "How long to wait for the approval (default ${DEFAULT-VALUE}; the code expires after 600).")
    long waitSeconds;

    @Override
    public Integer call() {
        if (waitSeconds < 1) {
            throw new IllegalArgumentException("--wait must be at least 1 second");
        }
        Endpoint endpoint = RegisterCommand.endpoint(server, bridge);
        Profiles profiles = Main.profiles(spec);
        PrintWriter out = spec.commandLine().getOut();
        DeviceIdentity identity = profiles.createAndRun(store -> {
            DeviceIdentity linked;
            try {
                linked = Accounts.requestLink(store, endpoint, profiles.route(), Profiles.RANDOM, ParleyClient.DEFAULT_TIMEOUT,
                        Duration.ofSeconds(waitSeconds), request -> {
                            out.println("Link code: " + request.code());
                            out.println("On a device already signed in to your account, type the whole code:\n  parley link-accept "
                                    + request.code() + "\nWaiting for the approval (the code works once, for 10 minutes)...");
                            out.flush();
                        });
            } catch (ServerException e) {
                throw Profiles.explain(e, server);
            }
            RegisterCommand.publishKeyPackages(profiles, store);
            return linked;
        });
        out.println("This profile is now device " + identity.deviceIdHex() + " of " + identity.username() + " on "
                + identity.endpoint() + ", signed by your account key; it takes part in your conversations as soon as"
                + " 'parley link-accept' has added it.");
        return 0;
    }
}
