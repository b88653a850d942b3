package org.parley.server.storage;

import java.sql.SQLException;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQL dialects the stores speak. The stores share one set of statements; this holds the few
 * places where SQLite and PostgreSQL differ.
 */
public enum Dialect {
    /** One writer at a time, serialized in-process, so row locks are unnecessary. */
    SQLITE(""),
    /** Many concurrent writers (and nodes): rows read in order to be changed are locked. */
    POSTGRESQL(" FOR UPDATE");

    private final String forUpdate;

    Dialect(String forUpdate) {
        this.forUpdate = forUpdate;
    }

    /** Appended to a SELECT whose rows the transaction will update. */
    public String forUpdate() {
        return forUpdate;
    }

    /** Appended to a SELECT that picks one of several interchangeable rows to take. */
    public String forUpdateSkipLocked() {
        return this == POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
    }

    /**
     * Whether the database runs in this process, so that running one prepared statement once per
     * row costs no round trip, and less than preparing a statement for a list of rows.
     */
    public boolean inProcess() {
        return this == SQLITE;
    }

    /** Whether the statement failed because a row with the same unique key exists. */
    public boolean isUniqueViolation(SQLException e) {
        if (this == POSTGRESQL) {
            return "23505".equals(e.getSQLState());
        }
        return e instanceof SQLiteException sqlite
                && (sqlite.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                || sqlite.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
    }

    /** Name of the directory under {@code migrations/} that holds this dialect's scripts. */
    String migrationFolder() {
        return this == POSTGRESQL ? "postgresql" : "sqlite";
    }
}
