package org.parley.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.net.ServerAddress;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testkit.TempProfiles;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.parley.client.testkit.Eventually.eventually;

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
    /** Every event each test user's client emitted ({@link #listened}), by username. */
    protected final Map<String, List<ConversationEvent>> events = new ConcurrentHashMap<>();

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

    /** Records every event of {@code client} under {@code username} in {@link #events}; returns the client. */
    protected ParleyClient listened(String username, ParleyClient client) {
        List<ConversationEvent> mine = new CopyOnWriteArrayList<>();
        events.put(username, mine);
        client.conversations().addListener(mine::add);
        return client;
    }

    /** The texts of the messages {@code username}'s client announced, in order. */
    protected List<String> texts(String username) {
        return events.get(username).stream().filter(e -> e instanceof ConversationEvent.Message)
                .map(e -> ((ConversationEvent.Message) e).message().getText()).toList();
    }

    /** {@code client} accepts the message request of {@code inviter} once it arrived, as a person does before talking. */
    protected static void accept(ParleyClient client, String inviter) throws InterruptedException {
        eventually(client.identity().username() + " holds " + inviter + "'s request",
                () -> client.conversations().requests().stream().anyMatch(r -> r.inviter().equals(inviter)));
        client.conversations().accept(inviter);
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
