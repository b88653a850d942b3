package org.parley.client.testkit;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.net.ServerAddress;
import org.parley.client.store.ProfileStore;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Profiles in a temporary folder, one sub-folder per name, and the clients opened on them; closes
 * everything it opened, the newest first (clients before their profiles).
 */
public final class TempProfiles implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final Clock clock;
    private final List<AutoCloseable> opened = new ArrayList<>();

    public TempProfiles(Path root) {
        this(root, Clock.systemUTC());
    }

    /** Clients opened here read the time of day from {@code clock}. */
    public TempProfiles(Path root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    /** The folder of the profile {@code name} (what {@code parley --profile} takes). */
    public Path path(String name) {
        return root.resolve(name);
    }

    /** A new, unencrypted profile {@code name}. */
    public ProfileStore create(String name) {
        return track(ProfileStore.open(path(name), null, true, RANDOM));
    }

    /** Registers {@code username} at {@code address} from a new profile of that name and signs in. */
    public ParleyClient registered(String username, ServerAddress address) {
        ProfileStore store = create(username);
        Accounts.register(store, address, username, null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        return connect(store, path(username).resolve("files"));
    }

    /** As {@link #registered}, and publishes {@code keyPackages} key packages (and a last-resort one). */
    public ParleyClient signedIn(String username, ServerAddress address, int keyPackages) {
        ParleyClient client = registered(username, address);
        client.publishKeyPackages(keyPackages, true);
        return client;
    }

    /** Signs the device of an existing profile in; received files go to {@code downloads}. */
    public ParleyClient connect(ProfileStore store, Path downloads) {
        return track(ParleyClient.open(store, downloads, RANDOM, clock, ParleyClient.DEFAULT_TIMEOUT, event -> { }));
    }

    /** Closes {@code closeable} with the profiles, before anything opened earlier. */
    public <T extends AutoCloseable> T track(T closeable) {
        opened.add(0, closeable);
        return closeable;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
        opened.clear();
    }
}
