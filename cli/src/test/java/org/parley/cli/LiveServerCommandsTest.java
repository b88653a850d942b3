package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testkit.TempProfiles;

import java.nio.file.Path;

/**
 * Tests that run {@code parley} commands as several users against a real server in a temp
 * folder; the commands' test inputs are reset after each test.
 */
abstract class LiveServerCommandsTest {
    @TempDir
    Path temp;
    LiveServer server;
    UserCommands users;

    @BeforeEach
    void startServer() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        users = new UserCommands(new TempProfiles(temp));
    }

    @AfterEach
    void stopServer() {
        ChatCommand.input = null;
        ChatCommand.output = null;
        DaemonCommand.input = null;
        server.close();
    }

    MainTest.Result as(String user, String... args) {
        return users.as(user, args);
    }

    MainTest.Result ok(String user, String... args) {
        return users.ok(user, args);
    }

    /** Registers each of {@code usernames} on the server, from a profile of the same name. */
    void register(String... usernames) {
        for (String username : usernames) {
            ok(username, "register", username, "--server", server.url());
        }
    }
}
