package org.parley.server.admin;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.parley.server.accounts.Username;
import org.parley.server.storage.Database;

import static org.parley.server.storage.Sql.queryLong;

/**
 * {@link AdminStore} on SQLite or PostgreSQL; each answer is read from one consistent snapshot. A
 * disclosure walks the schema as the database describes it (JDBC metadata), not a list kept here.
 */
public final class JdbcAdminStore implements AdminStore {
    private final Database database;

    public JdbcAdminStore(Database database) {
        this.database = database;
    }

    @Override
    public Optional<Disclosure> disclose(Username username) {
        return database.read(connection -> {
            byte[] account;
            try (PreparedStatement select = connection.prepareStatement("SELECT account_id FROM accounts WHERE username = ?")) {
                select.setString(1, username.value());
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    account = row.getBytes(1);
                }
            }
            List<byte[]> ids = new ArrayList<>();
            ids.add(account);
            try (PreparedStatement select = connection.prepareStatement("SELECT device_id FROM devices WHERE account_id = ?")) {
                select.setBytes(1, account);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getBytes(1));
                    }
                }
            }
            List<Disclosure.Table> tables = new ArrayList<>();
            for (String table : tablesInOrder(connection)) {
                List<String> naming = columnsNamingPeople(connection, table);
                if (!naming.isEmpty()) {
                    Disclosure.Table rows = rowsNaming(connection, table, naming, ids);
                    if (!rows.rows().isEmpty()) {
                        tables.add(rows);
                    }
                }
            }
            return Optional.of(new Disclosure(username.value(), tables));
        });
    }

    /** Every table of the schema: accounts and devices first, then the others by name. */
    private static List<String> tablesInOrder(Connection connection) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (ResultSet rows = connection.getMetaData().getTables(null, connection.getSchema(), "%", new String[] {"TABLE"})) {
            while (rows.next()) {
                String name = rows.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (!name.startsWith("sqlite_") && !name.equals("schema_version")) {
                    tables.add(name);
                }
            }
        }
        tables.sort(Comparator.comparing((String name) -> !name.equals("accounts")).thenComparing(name -> !name.equals("devices"))
                .thenComparing(Comparator.naturalOrder()));
        return tables;
    }

    /**
     * The columns of {@code table} that hold an account or device id: its own key for accounts and
     * devices, foreign keys to them, and columns named after them (for a table that names a person
     * without a foreign key).
     */
    private static List<String> columnsNamingPeople(Connection connection, String table) throws SQLException {
        Set<String> columns = new LinkedHashSet<>();
        if (table.equals("accounts")) {
            columns.add("account_id");
        }
        if (table.equals("devices")) {
            columns.add("device_id");
            columns.add("account_id");
        }
        try (ResultSet keys = connection.getMetaData().getImportedKeys(null, connection.getSchema(), table)) {
            while (keys.next()) {
                String target = keys.getString("PKTABLE_NAME").toLowerCase(Locale.ROOT);
                if (target.equals("accounts") || target.equals("devices")) {
                    columns.add(keys.getString("FKCOLUMN_NAME").toLowerCase(Locale.ROOT));
                }
            }
        }
        try (ResultSet all = connection.getMetaData().getColumns(null, connection.getSchema(), table, "%")) {
            while (all.next()) {
                String column = all.getString("COLUMN_NAME").toLowerCase(Locale.ROOT);
                if (column.equals("account_id") || column.equals("device_id") || column.endsWith("_account") || column.endsWith("_device")) {
                    columns.add(column);
                }
            }
        }
        return new ArrayList<>(columns);
    }

    /** Every column of the rows of {@code table} where one of {@code naming} holds one of {@code ids}, rendered and sorted. */
    private static Disclosure.Table rowsNaming(Connection connection, String table, List<String> naming, List<byte[]> ids)
            throws SQLException {
        String in = String.join(", ", Collections.nCopies(ids.size(), "?"));
        StringBuilder where = new StringBuilder();
        for (String column : naming) {
            where.append(where.length() == 0 ? "" : " OR ").append(column).append(" IN (").append(in).append(')');
        }
        List<String> columns = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT * FROM " + table + " WHERE " + where)) {
            int parameter = 1;
            for (int c = 0; c < naming.size(); c++) {
                for (byte[] id : ids) {
                    select.setBytes(parameter++, id);
                }
            }
            try (ResultSet result = select.executeQuery()) {
                ResultSetMetaData meta = result.getMetaData();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.add(meta.getColumnLabel(i).toLowerCase(Locale.ROOT));
                }
                while (result.next()) {
                    List<String> row = new ArrayList<>(columns.size());
                    for (int i = 1; i <= columns.size(); i++) {
                        row.add(Disclosure.render(columns.get(i - 1), result.getObject(i)));
                    }
                    rows.add(row);
                }
            }
        }
        rows.sort(JdbcAdminStore::compareRows);
        return new Disclosure.Table(table, columns, rows);
    }

    /** Column by column; numbers (sequence numbers, counts) as numbers, so that mail is listed in mailbox order. */
    private static int compareRows(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int order = a.get(i).matches("-?\\d{1,18}") && b.get(i).matches("-?\\d{1,18}")
                    ? Long.compare(Long.parseLong(a.get(i)), Long.parseLong(b.get(i))) : a.get(i).compareTo(b.get(i));
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    @Override
    public Stats stats() {
        return database.read(connection -> new Stats(
                queryLong(connection, "SELECT COUNT(*) FROM accounts"),
                queryLong(connection, "SELECT COUNT(*) FROM devices"),
                queryLong(connection, "SELECT COUNT(*) FROM key_packages"),
                queryLong(connection, "SELECT SUM(pending_count) FROM mailbox_usage"),
                queryLong(connection, "SELECT SUM(pending_bytes) FROM mailbox_usage"),
                queryLong(connection, "SELECT COUNT(*) FROM routing_groups"),
                queryLong(connection, "SELECT COUNT(*) FROM attachments"),
                queryLong(connection, "SELECT SUM(size_bytes) FROM attachments")));
    }
}
