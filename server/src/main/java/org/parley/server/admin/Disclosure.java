package org.parley.server.admin;

import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Everything the server stores about one account, as it would answer a lawful request
 * ({@code parley admin disclose}): every row of every table that names the account or one of its
 * devices, with every column, found from the schema itself (foreign keys to {@code accounts} or
 * {@code devices}, and columns named after them), so that a column or table added later appears
 * without a change here. Rows that name nobody (groups, invite codes) are not about the account and
 * are not listed: the server cannot tell which of them, if any, concern it.
 *
 * <p>Values are shown by {@link #render}: ids and keys in hex, days as dates, hours as times. What a
 * reader could mistake for content is never shown, only its size: message payloads (sealed to the
 * device, unreadable to the server) and key packages. Secrets are kept only hashed, and the hash is
 * not shown either, only that there is one.
 *
 * @param username the account's username as stored (case-folded)
 * @param tables one entry per table that holds a row about the account, in schema order
 */
public record Disclosure(String username, List<Table> tables) {
    /** Columns whose bytes are content or could be taken for it: shown as a size only. */
    private static final Set<String> CONTENT_COLUMNS = Set.of("payload", "key_package");

    public Disclosure {
        tables = List.copyOf(tables);
    }

    /** The rows of one table about the account, each with every column of the table, rendered. */
    public record Table(String name, List<String> columns, List<List<String>> rows) {
        public Table {
            columns = List.copyOf(columns);
            rows = rows.stream().map(List::copyOf).toList();
        }
    }

    /** How a stored value is shown: the one place that decides what a disclosure may print. */
    public static String render(String column, Object value) {
        String name = column.toLowerCase(Locale.ROOT);
        if (value == null) {
            return "none";
        }
        if (name.endsWith("_hash")) {
            return "set (a hash of a secret; not shown)";
        }
        if (value instanceof byte[] bytes) {
            if (CONTENT_COLUMNS.contains(name)) {
                return bytes.length + " bytes, not shown";
            }
            return HexFormat.of().formatHex(bytes);
        }
        if (value instanceof Number number) {
            if (name.endsWith("_day")) {
                return LocalDate.ofEpochDay(number.longValue()).toString();
            }
            if (name.endsWith("_hour")) {
                return Instant.ofEpochSecond(number.longValue() * 3600).toString();
            }
            return Long.toString(number.longValue());
        }
        return value.toString();
    }

    /** The disclosure as the text {@code parley admin disclose} prints. */
    public String text() {
        StringBuilder out = new StringBuilder("Everything this server stores about the account '").append(username)
                .append("': every row of every table that names the account or one of its devices.\n");
        for (Table table : tables) {
            out.append('\n').append(table.name()).append(" (").append(table.rows().size())
                    .append(table.rows().size() == 1 ? " row" : " rows").append(")\n");
            for (List<String> row : table.rows()) {
                StringBuilder line = new StringBuilder("  ");
                for (int i = 0; i < row.size(); i++) {
                    line.append(i == 0 ? "" : ", ").append(table.columns().get(i)).append(" = ").append(row.get(i));
                }
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
