package org.parley.server.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Versioned schema migrations. Scripts are resources
 * {@code org/parley/server/storage/migrations/<dialect>/V<n>.sql}, numbered from 1 without gaps;
 * a released script is never edited, only a new one added.
 *
 * <p>Table {@code schema_version} records each version applied, the SHA-256 of its script and
 * when it ran. Each missing version runs in its own transaction together with its row, so a crash
 * mid-way leaves the previous version intact and a restart (or a second node starting at the same
 * time) applies each script exactly once. Before anything runs, a database written by a newer
 * Parley (a version this build has no script for) or one whose recorded checksum differs from
 * this build's script is refused: running on it would corrupt data the newer schema relies on.
 * Versions applied by a build older than checksums record the current script's on first start.
 */
public final class Migrations {
    private static final String FOLDER = "/org/parley/server/storage/migrations/";

    private Migrations() {
    }

    /** The newest version this build knows for the dialect. */
    public static int latestVersion(Dialect dialect) {
        int version = 0;
        while (Migrations.class.getResource(script(dialect, version + 1)) != null) {
            version++;
        }
        return version;
    }

    /** Brings the schema up to {@link #latestVersion}. @return the versions applied now (empty if none) */
    public static List<Integer> migrate(Database database) {
        return migrate(database, latestVersion(database.dialect()));
    }

    /** Brings the schema up to {@code target} only (tests upgrade an old schema with data in it). */
    static List<Integer> migrate(Database database, int target) {
        Dialect dialect = database.dialect();
        int latest = latestVersion(dialect);
        database.write(connection -> {
            lockVersionTable(connection, dialect);
            checkRecordedVersions(connection, dialect, latest);
            return null;
        });
        List<Integer> applied = new ArrayList<>();
        for (int version = 1; version <= Math.min(target, latest); version++) {
            int next = version;
            boolean ran = database.write(connection -> {
                lockVersionTable(connection, dialect);
                if (currentVersion(connection) >= next) {
                    return false;
                }
                String script = read(script(dialect, next));
                try (Statement statement = connection.createStatement()) {
                    for (String sql : statements(script)) {
                        statement.execute(sql);
                    }
                }
                Instant now = Instant.now();
                Sql.update(connection, "INSERT INTO schema_version (version, applied_day, checksum, applied_at) VALUES (?, ?, ?, ?)",
                        next, LocalDate.ofInstant(now, ZoneOffset.UTC).toEpochDay(), checksum(script), now.toString());
                return true;
            });
            if (ran) {
                applied.add(next);
            }
        }
        return applied;
    }

    /**
     * Creates the version table, or gives one made before checksums were recorded its two new
     * columns. On PostgreSQL nodes starting at once are serialized first, by a transaction-scoped
     * advisory lock per schema (two concurrent CREATE TABLE IF NOT EXISTS can both try to create
     * it), and by a lock on the table (what builds before the advisory lock took): the second node
     * waits, then sees what the first applied. SQLite's writer already holds the file's write lock.
     */
    private static void lockVersionTable(Connection connection, Dialect dialect) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            if (dialect == Dialect.POSTGRESQL) {
                statement.execute("SELECT pg_advisory_xact_lock(hashtext('parley-migrations:' || current_schema()))");
            }
            statement.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_day INTEGER NOT NULL, "
                    + "checksum TEXT, applied_at TEXT)");
            if (dialect == Dialect.POSTGRESQL) {
                statement.execute("LOCK TABLE schema_version IN EXCLUSIVE MODE");
            }
            if (!hasColumn(connection, "checksum")) {
                statement.execute("ALTER TABLE schema_version ADD COLUMN checksum TEXT");
                statement.execute("ALTER TABLE schema_version ADD COLUMN applied_at TEXT");
            }
        }
    }

    private static boolean hasColumn(Connection connection, String column) throws SQLException {
        try (ResultSet columns = connection.getMetaData().getColumns(null, connection.getSchema(), "schema_version", column)) {
            return columns.next();
        }
    }

    /** Refuses a database from a newer Parley or with a changed script; records missing checksums. */
    private static void checkRecordedVersions(Connection connection, Dialect dialect, int latest) throws SQLException {
        int current = currentVersion(connection);
        if (current > latest) {
            throw new StoreException("this data was written by a newer Parley (schema V" + current + "); this build knows up to V"
                    + latest + ": upgrade Parley or restore a backup");
        }
        Map<Integer, String> recorded = new TreeMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT version, checksum FROM schema_version")) {
            while (rows.next()) {
                recorded.put(rows.getInt(1), rows.getString(2));
            }
        }
        for (Map.Entry<Integer, String> row : recorded.entrySet()) {
            String expected = checksum(read(script(dialect, row.getKey())));
            if (row.getValue() == null) {
                Sql.update(connection, "UPDATE schema_version SET checksum = ? WHERE version = ?", expected, row.getKey());
            } else if (!row.getValue().equals(expected)) {
                throw new StoreException("schema V" + row.getKey() + " of this database was applied from a different script (checksum "
                        + row.getValue() + ") than this build's (" + expected + "): a released migration was edited; "
                        + "run the Parley release that wrote this data, or restore a backup");
            }
        }
    }

    /** SHA-256 of a script, hex; line endings are normalized so a checkout with CRLF hashes the same. */
    static String checksum(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(script.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The highest applied version, 0 for an empty database. */
    public static int currentVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static String script(Dialect dialect, int version) {
        return FOLDER + dialect.migrationFolder() + "/V" + version + ".sql";
    }

    private static String read(String resource) {
        try (InputStream in = Migrations.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new StoreException("migration script " + resource + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreException("cannot read migration script " + resource, e);
        }
    }

    /** Splits a script into statements: drops {@code --} comments, splits on ';'. Scripts hold no string literals with either. */
    static List<String> statements(String script) {
        StringBuilder code = new StringBuilder();
        for (String line : script.split("\n")) {
            int comment = line.indexOf("--");
            code.append(comment < 0 ? line : line.substring(0, comment)).append('\n');
        }
        List<String> statements = new ArrayList<>();
        for (String statement : code.toString().split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.strip());
            }
        }
        return statements;
    }
}
