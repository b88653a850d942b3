package org.parley.server.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.parley.server.storage.Database;
import org.parley.server.storage.StoreUrl;

/** Every row of every table of a server's database, as the database lists its tables: what an operator could hand over. */
public final class DatabaseDump {
    private DatabaseDump() {
    }

    /** One row: column name to value (byte[], Long, Integer, String or null). */
    public record Row(String table, Map<String, Object> columns) {
    }

    public static List<Row> of(StoreUrl url) {
        try (Database database = Database.connect(url)) {
            return database.read(DatabaseDump::dump);
        }
    }

    private static List<Row> dump(Connection connection) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (ResultSet rows = connection.getMetaData().getTables(null, connection.getSchema(), "%", new String[] {"TABLE"})) {
            while (rows.next()) {
                tables.add(rows.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
            }
        }
        List<Row> dump = new ArrayList<>();
        for (String table : tables) {
            try (Statement select = connection.createStatement(); ResultSet rows = select.executeQuery("SELECT * FROM " + table)) {
                ResultSetMetaData meta = rows.getMetaData();
                while (rows.next()) {
                    Map<String, Object> columns = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        columns.put(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), rows.getObject(i));
                    }
                    dump.add(new Row(table, columns));
                }
            }
        }
        return dump;
    }

    /** Whether {@code value} holds {@code needle}: as bytes anywhere in a byte value, or as hex in a text value. */
    public static boolean holds(Object value, byte[] needle) {
        if (value instanceof byte[] bytes) {
            outer:
            for (int i = 0; i + needle.length <= bytes.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (bytes[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
        return value instanceof String text && text.toLowerCase(Locale.ROOT).contains(java.util.HexFormat.of().formatHex(needle));
    }
}
