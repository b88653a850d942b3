package org.parley.server.storage;

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

    /** Name of the directory under {@code migrations/} that holds this dialect's scripts. */
    String migrationFolder() {
        return this == POSTGRESQL ? "postgresql" : "sqlite";
    }
}
