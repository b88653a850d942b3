package org.parley.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/** Small JDBC helpers shared by the stores, for statements run once per transaction. */
public final class Sql {
    private Sql() {
    }

    /** Runs an INSERT, UPDATE or DELETE with positional parameters (byte[], Long, Integer, String or null). */
    public static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters)) {
            return statement.executeUpdate();
        }
    }

    /** Runs a query returning one number in its first row and column (0 when there is no row or it is NULL). */
    public static long queryLong(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet row = statement.executeQuery()) {
            return row.next() ? row.getLong(1) : 0;
        }
    }

    /**
     * A bytes column as an immutable {@link ByteString}, or null for SQL NULL. It wraps the array
     * the driver has just returned, which nobody else holds, so the bytes are not copied again.
     */
    public static ByteString byteString(ResultSet row, int column) throws SQLException {
        byte[] bytes = row.getBytes(column);
        return bytes == null ? null : UnsafeByteOperations.unsafeWrap(bytes);
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }
}
