package org.parley.server.testing;

import static org.parley.server.testing.MailboxKeys.mailboxKey;
import java.nio.file.Path;
import java.util.Collections;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.storage.Secrets;

/**
 * Base of the per-capability contract tests. Each test method is
 * {@code @ParameterizedTest @MethodSource(BACKENDS)} and gets a fresh store for its backend.
 */
public abstract class StoreContract {
    public static final String BACKENDS = "org.parley.server.testing.Backend#all";

    @TempDir
    protected Path tempDir;

    protected StoreHarness harness;

    protected ServerStores open(Backend backend) {
        return open(backend, UnaryOperator.identity());
    }

    protected ServerStores open(Backend backend, UnaryOperator<StoreConfig> customize) {
        harness = StoreHarness.open(backend, tempDir, customize);
        return harness.store();
    }

    @AfterEach
    void closeStore() {
        if (harness != null) {
            harness.close();
        }
    }

    /** Runs {@code attempt} {@code times} times on 8 threads at once. @return how many returned true */
    protected static long countSuccesses(int times, Callable<Boolean> attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            long successes = 0;
            for (Future<Boolean> result : pool.invokeAll(Collections.nCopies(times, attempt))) {
                successes += result.get() ? 1 : 0;
            }
            return successes;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A new account with one device and a random identity key. */
    protected static Registration register(ServerStores store, String username) {
        return store.accounts().register(Username.parse(username), Secrets.random(32), mailboxKey(), null, null);
    }
}
