package org.parley.client.conversations;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.store.ProfileStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;

/** Tests of a part that keeps its state in a profile: a profile in a temporary folder, closed after each test. */
abstract class ProfileStoreTestBase {
    static final byte[] GROUP = "group-1".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER_GROUP = "group-2".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    ProfileStore store;

    /** Opens the profile (again, after {@code store.close()}: a restart). */
    ProfileStore openProfile() {
        store = ProfileStore.open(dir, null, true, new SecureRandom());
        return store;
    }

    @AfterEach
    void closeProfile() {
        if (store != null) {
            store.close();
        }
    }
}
