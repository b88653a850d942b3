package org.parley.server.storage;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;

/**
 * Base of the per-capability contract tests. Each test method is
 * {@code @ParameterizedTest @MethodSource(BACKENDS)} and gets a fresh store for its backend.
 */
public abstract class StoreContract {
    public static final String BACKENDS = "org.parley.server.storage.Backend#all";

    @TempDir
    protected Path tempDir;

    protected StoreHarness harness;

    protected Store open(Backend backend) {
        return open(backend, UnaryOperator.identity());
    }

    protected Store open(Backend backend, UnaryOperator<StoreConfig> customize) {
        harness = StoreHarness.open(backend, tempDir, customize);
        return harness.store();
    }

    @AfterEach
    void closeStore() {
        if (harness != null) {
            harness.close();
        }
    }

    /** A new account with one device and a random identity key. */
    protected static Registration register(Store store, String username) {
        return store.accounts().register(Username.parse(username), Secrets.random(32), null, null);
    }
}
