package org.parley.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite's writer keeps its prepared statements from one write to the next ({@link Database#prepare}):
 * the same statement comes back, a failure halfway through a batch leaves nothing of it behind for the
 * next write, reads get statements of their own, and the kept ones are bounded.
 */
class WriterStatementsTest {
    private static final String INSERT = "INSERT INTO t (v) VALUES (?)";

    @TempDir
    Path tempDir;
    private Database database;

    @BeforeEach
    void open() {
        database = Database.connect(StoreUrl.parse("sqlite:" + tempDir.resolve("kept.db")));
        database.write(connection -> {
            try (Statement statement = connection.createStatement()) {
                return statement.executeUpdate("CREATE TABLE t (v INTEGER NOT NULL)");
            }
        });
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aWriteGetsTheStatementAnEarlierWritePrepared() {
        PreparedStatement first = database.write(connection -> insert(connection, 1));
        PreparedStatement second = database.write(connection -> insert(connection, 2));
        assertThat(second).isSameAs(first);
        assertThat(database.keptWriterStatements()).isEqualTo(1);
        assertThat(rows()).isEqualTo(2);
    }

    @Test
    void aBatchLeftHalfwayByAFailedWriteIsNotRunByTheNext() {
        assertThatThrownBy(() -> database.write(connection -> {
            try (Database.Prepared prepared = database.prepare(connection, INSERT)) {
                prepared.statement().setLong(1, 1);
                prepared.statement().addBatch();
                prepared.statement().setLong(1, 2);
                prepared.statement().addBatch();
                throw new IllegalStateException("failed before executing the batch");
            }
        })).hasMessage("failed before executing the batch");
        database.write(connection -> {
            try (Database.Prepared prepared = database.prepare(connection, INSERT)) {
                prepared.statement().setLong(1, 3);
                prepared.statement().addBatch();
                return prepared.statement().executeBatch();
            }
        });
        String values = database.read(connection -> {
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("SELECT group_concat(v) FROM t")) {
                rows.next();
                return rows.getString(1);
            }
        });
        assertThat(values).isEqualTo("3");
    }

    @Test
    void aKeptStatementHasNoParametersLeftFromItsLastUse() {
        database.write(connection -> insert(connection, 1));
        // v is NOT NULL: a statement that kept its last parameter would insert 1 again.
        assertThatThrownBy(() -> database.write(connection -> {
            try (Database.Prepared prepared = database.prepare(connection, INSERT)) {
                return prepared.statement().executeUpdate();
            }
        })).isInstanceOf(StoreException.class);
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void readsGetStatementsOfTheirOwnThatCloseAfterUse() throws Exception {
        PreparedStatement read = database.read(connection -> {
            try (Database.Prepared prepared = database.prepare(connection, "SELECT count(*) FROM t")) {
                return prepared.statement();
            }
        });
        assertThat(read.isClosed()).isTrue();
        assertThat(database.keptWriterStatements()).isZero();
    }

    @Test
    void atMostSoManyStatementsAreKept() {
        database.write(connection -> {
            for (int i = 0; i < WriterStatements.KEPT + 10; i++) {
                try (Database.Prepared prepared = database.prepare(connection, "SELECT " + i + " FROM t")) {
                    prepared.statement().executeQuery().close();
                }
            }
            return null;
        });
        assertThat(database.keptWriterStatements()).isEqualTo(WriterStatements.KEPT);
    }

    private PreparedStatement insert(java.sql.Connection connection, long value) throws java.sql.SQLException {
        try (Database.Prepared prepared = database.prepare(connection, INSERT)) {
            prepared.statement().setLong(1, value);
            prepared.statement().executeUpdate();
            return prepared.statement();
        }
    }

    private int rows() {
        return database.read(connection -> {
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("SELECT count(*) FROM t")) {
                rows.next();
                return rows.getInt(1);
            }
        });
    }
}
