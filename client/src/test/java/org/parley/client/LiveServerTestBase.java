package org.parley.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.account.Accounts;
import org.parley.client.net.ServerAddress;
import org.parley.client.store.ProfileStore;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Tests against a real in-process server: a temp folder, the server (started by the test or its
 * setup), and whatever the test opened, closed in list order and then the server.
 */
public abstract class LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();
    @TempDir
    protected Path temp;
    protected LiveServer server;
    protected final List<AutoCloseable> open = new ArrayList<>();

    /**
     * Registers {@code username} at the server at {@code address} from a fresh profile, signs in
     * and publishes five key packages; profile and client are closed after the test.
     */
    protected ParleyClient signedIn(String username, ServerAddress address) {
        ProfileStore store = ProfileStore.open(temp.resolve(username), null, true, RANDOM);
        open.add(0, store);
        Accounts.register(store, address, username, null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        ParleyClient client = ParleyClient.open(store, temp.resolve(username).resolve("files"), RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        open.add(0, client);
        client.publishKeyPackages(5, true);
        return client;
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
