package org.parley.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.net.ServerAddress;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testkit.TempProfiles;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Tests against a real in-process server: a temp folder, the server (started by the test or its
 * setup), profiles, and whatever else the test opened; closed in list order, then the profiles and
 * their clients, then the server.
 */
public abstract class LiveServerTestBase {
    @TempDir
    protected Path temp;
    protected LiveServer server;
    protected TempProfiles profiles;
    protected final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void createProfiles() {
        profiles = new TempProfiles(temp, clock());
    }

    /** The clock the test's clients read the time of day from; a test that moves time overrides it. */
    protected Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * Registers {@code username} at the server at {@code address} from a fresh profile, signs in
     * and publishes five key packages; profile and client are closed after the test.
     */
    protected ParleyClient signedIn(String username, ServerAddress address) {
        return profiles.signedIn(username, address, 5);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        profiles.close();
        if (server != null) {
            server.close();
        }
    }
}
