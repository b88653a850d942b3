package org.parley.server.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Versioned schema migrations. Scripts are resources
 * {@code org/parley/server/storage/migrations/<dialect>/V<n>.sql}, numbered from 1 without gaps.
 * Table {@code schema_version} lists the versions applied; each missing version runs in its own
 * transaction together with its row, so a crash mid-way leaves the previous version intact and
 * a restart (or a second node starting at the same time) applies each script exactly once.
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
        database.write(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_day INTEGER NOT NULL)");
            }
            return null;
        });
        int latest = latestVersion(dialect);
        List<Integer> applied = new ArrayList<>();
        for (int version = 1; version <= Math.min(target, latest); version++) {
            int next = version;
            boolean ran = database.write(connection -> {
                if (dialect == Dialect.POSTGRESQL) {
                    try (Statement statement = connection.createStatement()) {
                        // Serializes concurrent nodes: the second waits, then sees the version applied.
                        statement.execute("LOCK TABLE schema_version IN EXCLUSIVE MODE");
                    }
                }
                if (currentVersion(connection) >= next) {
                    return false;
                }
                try (Statement statement = connection.createStatement()) {
                    for (String sql : statements(read(script(dialect, next)))) {
                        statement.execute(sql);
                    }
                }
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO schema_version (version, applied_day) VALUES (?, ?)")) {
                    insert.setInt(1, next);
                    insert.setLong(2, UtcDays.today(java.time.Clock.systemUTC()));
                    insert.executeUpdate();
                }
                return true;
            });
            if (ran) {
                applied.add(next);
            }
        }
        int current = database.read(Migrations::currentVersion);
        if (current > latest) {
            throw new StoreException("the database " + database.url() + " has schema version " + current
                    + " but this Parley knows only up to " + latest + ": run a newer Parley");
        }
        return applied;
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
