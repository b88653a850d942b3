package org.parley.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Database#writeWithoutSync} on SQLite lowers the one writer connection's durability for one
 * commit: every write after it, including after a failed one, is back to synchronous=FULL.
 */
class DatabaseSyncTest {
    private static final int FULL = 2;

    @TempDir
    Path tempDir;
    private Database database;

    @BeforeEach
    void open() {
        database = Database.connect(StoreUrl.parse("sqlite:" + tempDir.resolve("sync.db")));
        database.write(connection -> execute(connection, "CREATE TABLE t (v INTEGER)"));
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aWriteWithoutSyncCommitsAndLeavesTheWriterFull() {
        int during = database.writeWithoutSync(connection -> execute(connection, "INSERT INTO t VALUES (1)") + synchronous(connection));
        assertThat(during).as("NORMAL: the WAL commit without an fsync").isEqualTo(1);
        assertThat(database.write(DatabaseSyncTest::synchronous)).isEqualTo(FULL);
        int rows = database.read(DatabaseSyncTest::count);
        assertThat(rows).isEqualTo(1);
    }

    @Test
    void aFailedWriteWithoutSyncRollsBackAndLeavesTheWriterFull() {
        assertThatThrownBy(() -> database.writeWithoutSync(connection -> {
            execute(connection, "INSERT INTO t VALUES (1)");
            throw new IllegalStateException("failed halfway");
        })).hasMessage("failed halfway");
        assertThat(database.write(DatabaseSyncTest::synchronous)).isEqualTo(FULL);
        int rows = database.read(DatabaseSyncTest::count);
        assertThat(rows).isZero();
    }

    private static int execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
            return 0;
        }
    }

    private static int synchronous(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("PRAGMA synchronous")) {
            row.next();
            return row.getInt(1);
        }
    }

    private static int count(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("SELECT COUNT(*) FROM t")) {
            row.next();
            return row.getInt(1);
        }
    }
}
