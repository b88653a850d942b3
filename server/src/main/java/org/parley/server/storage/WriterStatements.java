package org.parley.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.sqlite.SQLiteConnection;

/**
 * The prepared statements of SQLite's one writer connection, kept from one write transaction to
 * the next. At light load a mailbox batch holds one or two sends, and preparing its statements
 * afresh was a fifth of the mailbox writer's CPU (bench/RESULTS.md, "The JIT compiler inside the
 * steps"). HikariCP closes the statements made through a pooled connection when it goes back to the
 * pool, so these are prepared on the SQLite connection underneath, and dropped when the pool has
 * replaced that connection. Only used under {@link Database}'s write lock; not thread-safe.
 */
final class WriterStatements {
    /** Statements kept; beyond this the least recently used is closed (variable-length IN lists make many texts). */
    static final int KEPT = 64;

    private final Map<String, PreparedStatement> kept = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= KEPT) {
                return false;
            }
            closeQuietly(eldest.getValue());
            return true;
        }
    };
    private Connection underneath;

    /** {@code sql} prepared on the SQLite connection under {@code pooled}: the kept statement, or a new one kept from now on. */
    PreparedStatement get(Connection pooled, String sql) throws SQLException {
        Connection connection = pooled.unwrap(SQLiteConnection.class);
        if (connection != underneath) {
            clear();
            underneath = connection;
        }
        PreparedStatement statement = kept.get(sql);
        if (statement == null || statement.isClosed()) {
            statement = connection.prepareStatement(sql);
            kept.put(sql, statement);
        }
        return statement;
    }

    /** How many statements are kept (for tests). */
    int size() {
        return kept.size();
    }

    /** Closes every kept statement (the database is closing, or its writer connection was replaced). */
    void clear() {
        kept.values().forEach(WriterStatements::closeQuietly);
        kept.clear();
        underneath = null;
    }

    private static void closeQuietly(PreparedStatement statement) {
        try {
            statement.close();
        } catch (SQLException ignored) {
            // its connection is gone already, and the statement with it
        }
    }
}
