package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.keys.KeyPackages;
import org.parley.client.net.BridgeLink;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code parley register USERNAME --server URL [--bridge LINK]}: a new account with this profile as
 * its first device. The server may be reached through a bridge (given as {@code --bridge}, or as a
 * bridge link naming its server in place of the URL); the profile keeps using that bridge.
 */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = "Create an account with this profile as its first device, and publish its key packages.")
final class RegisterCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "3 to 32 of a-z 0-9 _ .")
    String username;

    @Option(names = "--server", required = true, paramLabel = "URL",
            description = "http(s)://HOST:PORT (or ws(s)://), or a bridge link parley://bridge?...&server=URL")
    String server;

    @Option(names = "--bridge", paramLabel = "LINK", description = "Reach the server through this bridge (parley://bridge?host=...&port=...&pin=...).")
    String bridge;

    @Option(names = "--invite", paramLabel = "CODE", description = "Invite code, when the server is invite-only.")
    String invite;

    @Override
    public Integer call() {
        Endpoint endpoint = endpoint(server, bridge);
        Profiles profiles = Main.profiles(spec);
        DeviceIdentity identity = profiles.createAndRun(store -> {
            DeviceIdentity registered;
            try {
                registered = Accounts.register(store, endpoint, profiles.route(), username, invite, Profiles.RANDOM, ParleyClient.DEFAULT_TIMEOUT);
            } catch (ServerException e) {
                throw Profiles.explain(e, username);
            }
            publishKeyPackages(profiles, store);
            return registered;
        });
        spec.commandLine().getOut().println("Registered " + identity.username() + " on " + identity.endpoint()
                + " (device " + identity.deviceIdHex() + ", profile " + profiles.directory() + ")");
        return 0;
    }

    /**
     * Where {@code --server} (a server URL or a bridge link naming its server) and {@code --bridge}
     * lead; both register and link read them this way.
     */
    static Endpoint endpoint(String server, String bridge) {
        if (BridgeLink.isBridgeLink(server)) {
            if (bridge != null) {
                throw new IllegalArgumentException("--server is a bridge link already; give --bridge only with a server URL");
            }
            BridgeLink link = BridgeLink.parse(server);
            if (link.server().isEmpty()) {
                throw new IllegalArgumentException("the bridge link names no server; add &server=URL to it, or give"
                        + " --server URL --bridge LINK");
            }
            return Endpoint.parse(server, null);
        }
        ServerAddress address = ServerAddress.parse(server);
        if (bridge == null) {
            return Endpoint.direct(address);
        }
        BridgeLink link = BridgeLink.parse(bridge);
        if (link.server().isPresent() && !link.server().get().equals(address)) {
            throw new IllegalArgumentException("the bridge link leads to " + link.server().get() + ", not to --server "
                    + address + "; give the one that is right");
        }
        return new Endpoint(address, Optional.of(link));
    }

    /** A full batch and a last-resort package, so others can start conversations with this device. */
    static void publishKeyPackages(Profiles profiles, org.parley.client.store.ProfileStore store) {
        try (ParleyClient client = profiles.connect(store)) {
            client.publishKeyPackages(KeyPackages.BATCH, true);
        }
    }
}
