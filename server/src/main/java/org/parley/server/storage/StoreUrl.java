package org.parley.server.storage;

import java.nio.file.Path;

/**
 * Where the database is: {@code sqlite:PATH} (also {@code jdbc:sqlite:PATH}) or
 * {@code postgresql://HOST:PORT/DB?user=...} (also {@code jdbc:postgresql://...}).
 *
 * @param sqliteFile the SQLite file, or null for PostgreSQL
 * @param jdbcUrl the JDBC URL to connect with
 */
public record StoreUrl(Dialect dialect, Path sqliteFile, String jdbcUrl) {

    /** Parses a {@code --db} value; the message of the exception says which forms are accepted. */
    public static StoreUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no database URL given: use sqlite:PATH or postgresql://HOST:PORT/DB?user=NAME");
        }
        String text = url.strip();
        if (text.startsWith("jdbc:")) {
            text = text.substring("jdbc:".length());
        }
        if (text.startsWith("sqlite:")) {
            String file = text.substring("sqlite:".length());
            if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:")) {
                throw new IllegalArgumentException("sqlite: needs a file path, as in sqlite:./parley-data/parley.db");
            }
            Path path = Path.of(file).toAbsolutePath().normalize();
            return new StoreUrl(Dialect.SQLITE, path, "jdbc:sqlite:" + path);
        }
        if (text.startsWith("postgresql://")) {
            return new StoreUrl(Dialect.POSTGRESQL, null, "jdbc:" + text);
        }
        throw new IllegalArgumentException("unsupported database URL '" + redacted(url)
                + "': use sqlite:PATH or postgresql://HOST:PORT/DB?user=NAME");
    }

    /** The SQLite file for a data directory: {@code DIR/parley.db}. */
    public static StoreUrl sqliteIn(Path dataDirectory) {
        return parse("sqlite:" + dataDirectory.resolve("parley.db"));
    }

    /** The URL without its query, which may hold a password: safe for logs and messages. */
    public static String redacted(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query) + "?…";
    }

    @Override
    public String toString() {
        return redacted(jdbcUrl);
    }
}
