package org.parley.server.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Assumptions;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.storage.Secrets;

/**
 * Opens a {@link ServerStores} for a test on a fresh database: a SQLite file in the test's temporary
 * folder, or a new randomly named schema in the PostgreSQL database named by
 * {@code PARLEY_TEST_POSTGRES} (dropped on close, since several test runs share that database).
 * Without that variable PostgreSQL tests are skipped with a visible reason.
 */
public final class StoreHarness implements AutoCloseable {
    public static final String POSTGRES_VARIABLE = "PARLEY_TEST_POSTGRES";

    private final Backend backend;
    private final StoreConfig config;
    private final String postgresAdminUrl;
    private final String schema;
    private ServerStores store;

    public final MutableClock clock;

    private StoreHarness(Backend backend, StoreConfig config, MutableClock clock, String postgresAdminUrl, String schema) {
        this.backend = backend;
        this.config = config;
        this.clock = clock;
        this.postgresAdminUrl = postgresAdminUrl;
        this.schema = schema;
        this.store = ServerStores.open(config);
    }

    public static StoreHarness open(Backend backend, Path tempDir) {
        return open(backend, tempDir, UnaryOperator.identity());
    }

    public static StoreHarness open(Backend backend, Path tempDir, UnaryOperator<StoreConfig> customize) {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:15:30Z"));
        Path attachments = tempDir.resolve("attachments");
        if (backend == Backend.SQLITE) {
            StoreConfig config = StoreConfig.forDataDirectory(tempDir, null).withClock(clock);
            return new StoreHarness(backend, customize.apply(config), clock, null, null);
        }
        String url = System.getenv(POSTGRES_VARIABLE);
        if (url == null || url.isBlank()) {
            Assumptions.abort("PostgreSQL contract test skipped: set " + POSTGRES_VARIABLE
                    + " to a JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        }
        String schema = "parley_test_" + HexFormat.of().formatHex(Secrets.random(8));
        execute(url, "CREATE SCHEMA " + schema);
        String storeUrl = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        StoreConfig config = StoreConfig.forDataDirectory(tempDir, storeUrl).withClock(clock);
        try {
            return new StoreHarness(backend, customize.apply(config), clock, url, schema);
        } catch (RuntimeException e) {
            execute(url, "DROP SCHEMA " + schema + " CASCADE");
            throw e;
        }
    }

    private static void execute(String url, String sql) {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run '" + sql + "' on the test PostgreSQL: " + e.getMessage(), e);
        }
    }

    public Backend backend() {
        return backend;
    }

    public ServerStores store() {
        return store;
    }

    public StoreConfig config() {
        return config;
    }

    /** Opens a second, independent store on the same database (as a restarted or second process would). */
    public ServerStores openAnother() {
        return ServerStores.open(config);
    }

    /** Closes and reopens the store, as a restart does. */
    public ServerStores restart() {
        store.close();
        store = ServerStores.open(config);
        return store;
    }

    @Override
    public void close() {
        store.close();
        if (schema != null) {
            execute(postgresAdminUrl, "DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
