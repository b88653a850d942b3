package org.parley.server.storage;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with a connection inside a transaction that {@link Database} opens and ends. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
