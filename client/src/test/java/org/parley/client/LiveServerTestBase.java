package org.parley.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tests against a real in-process server: a temp folder, the server (started by the test or its
 * setup), and whatever the test opened, closed in list order and then the server.
 */
public abstract class LiveServerTestBase {
    @TempDir
    protected Path temp;
    protected LiveServer server;
    protected final List<AutoCloseable> open = new ArrayList<>();

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
