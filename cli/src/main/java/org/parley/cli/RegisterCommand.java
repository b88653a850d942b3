package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.keys.KeyPackages;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code parley register USERNAME --server URL}: a new account with this profile as its first device. */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = "Create an account with this profile as its first device, and publish its key packages.")
final class RegisterCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "3 to 32 of a-z 0-9 _ .")
    String username;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "http(s)://HOST:PORT (or ws(s)://)")
    String server;

    @Option(names = "--invite", paramLabel = "CODE", description = "Invite code, when the server is invite-only.")
    String invite;

    @Override
    public Integer call() {
        ServerAddress address = ServerAddress.parse(server);
        Profiles profiles = Main.profiles(spec);
        DeviceIdentity identity = profiles.createAndRun(store -> {
            DeviceIdentity registered;
            try {
                registered = Accounts.register(store, address, username, invite, Profiles.RANDOM, ParleyClient.DEFAULT_TIMEOUT);
            } catch (ServerException e) {
                throw Profiles.explain(e, username);
            }
            publishKeyPackages(profiles, store);
            return registered;
        });
        spec.commandLine().getOut().println("Registered " + identity.username() + " on " + identity.server()
                + " (device " + identity.deviceIdHex() + ", profile " + profiles.directory() + ")");
        return 0;
    }

    /** A full batch and a last-resort package, so others can start conversations with this device. */
    static void publishKeyPackages(Profiles profiles, org.parley.client.store.ProfileStore store) {
        try (ParleyClient client = profiles.connect(store)) {
            client.publishKeyPackages(KeyPackages.BATCH, true);
        }
    }
}
