package org.parley.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.Envelope;
import org.parley.server.mailbox.MailboxUsage;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

/** Opening stores: URLs, migrations, restarts. */
class StorageContractTest extends StoreContract {

    @Test
    void databaseUrlsAreParsed() {
        StoreUrl sqlite = StoreUrl.parse("sqlite:data/x.db");
        assertThat(sqlite.dialect()).isEqualTo(Dialect.SQLITE);
        assertThat(sqlite.sqliteFile()).isEqualTo(Path.of("data/x.db").toAbsolutePath());
        assertThat(StoreUrl.parse("jdbc:sqlite:/tmp/y.db").sqliteFile()).isEqualTo(Path.of("/tmp/y.db"));

        StoreUrl postgres = StoreUrl.parse("postgresql://127.0.0.1:5432/parley?user=parley&password=hunter2");
        assertThat(postgres.dialect()).isEqualTo(Dialect.POSTGRESQL);
        assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/parley?user=parley&password=hunter2");
        assertThat(postgres.toString()).doesNotContain("hunter2");
        assertThat(StoreUrl.parse("jdbc:postgresql://db/parley").jdbcUrl()).isEqualTo("jdbc:postgresql://db/parley");

        assertThat(StoreConfig.forDataDirectory(Path.of("parley-data"), null).url().sqliteFile())
                .isEqualTo(Path.of("parley-data/parley.db").toAbsolutePath());
    }

    @Test
    void unsupportedUrlsAreRejectedWithoutEchoingSecrets() {
        for (String bad : new String[] {"", "mysql://db/x?password=hunter2", "sqlite:", "sqlite::memory:", "postgres"}) {
            assertThatThrownBy(() -> StoreUrl.parse(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sqlite:")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        }
    }

    @Test
    void migrationScriptsSplitIntoStatements() {
        assertThat(Migrations.statements("-- intro; with a semicolon\nCREATE TABLE a (x INTEGER); -- trailing\n\nCREATE INDEX i ON a (x);\n"))
                .containsExactly("CREATE TABLE a (x INTEGER)", "CREATE INDEX i ON a (x)");
        assertThat(Migrations.latestVersion(Dialect.SQLITE)).isEqualTo(Migrations.latestVersion(Dialect.POSTGRESQL)).isPositive();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void migrationsRunOnceAndRestartsKeepTheData(Backend backend) {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        int latest = Migrations.latestVersion(harness.config().url().dialect());

        try (Database database = Database.connect(harness.config().url())) {
            assertThat(Migrations.migrate(database)).as("nothing left to apply").isEmpty();
            long applied = database.read(connection -> Sql.queryLong(connection, "SELECT COUNT(*) FROM schema_version"));
            assertThat(applied).isEqualTo(latest);
        }
        ServerStores restarted = harness.restart();
        assertThat(restarted.accounts().findByUsername(Username.parse("alice")).orElseThrow().id()).isEqualTo(alice.account());
        harness.restart();
        assertThat(harness.store().accounts().devices(alice.account())).hasSize(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void anOlderSchemaIsUpgradedWithItsData(Backend backend) {
        open(backend);
        harness.store().close();
        StoreUrl url = harness.config().url();
        // Start over on an empty database: a fresh SQLite file, or a fresh PostgreSQL schema.
        StoreConfig fresh = backend == Backend.SQLITE
                ? new StoreConfig(StoreUrl.sqliteIn(tempDir.resolve("old")), harness.config().attachmentDirectory(),
                        harness.clock, harness.config().mailboxLimits(), harness.config().attachmentMaxBytes())
                : harness.config();
        try (Database database = Database.connect(fresh.url())) {
            if (backend == Backend.POSTGRESQL) {
                database.write(connection -> {
                    String schema = currentSchema(connection);
                    return Sql.update(connection, "DROP SCHEMA " + schema + " CASCADE") + Sql.update(connection, "CREATE SCHEMA " + schema);
                });
            }
            assertThat(Migrations.migrate(database, 1)).containsExactly(1);
            database.write(connection -> Sql.update(connection, "INSERT INTO invite_codes (code_hash) VALUES (?)", (Object) new byte[] {7}));
            List<Integer> applied = Migrations.migrate(database);
            assertThat(applied).isNotEmpty().doesNotContain(1);
            assertThat(applied.get(applied.size() - 1)).isEqualTo(Migrations.latestVersion(url.dialect()));
            long codes = database.read(connection -> Sql.queryLong(connection, "SELECT COUNT(*) FROM invite_codes"));
            assertThat(codes).isEqualTo(1);
        }
        harness.restart();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void version5KeepsPendingMailUnderItsIdsAndDropsWhatItMustNotKeep(Backend backend) {
        open(backend);
        harness.store().close();
        StoreConfig fresh = backend == Backend.SQLITE
                ? new StoreConfig(StoreUrl.sqliteIn(tempDir.resolve("v4")), harness.config().attachmentDirectory(),
                        harness.clock, harness.config().mailboxLimits(), harness.config().attachmentMaxBytes())
                : harness.config();
        byte[] account = Secrets.random(16);
        byte[] phone = Secrets.random(16);
        byte[] laptop = Secrets.random(16);
        try (Database database = Database.connect(fresh.url())) {
            if (backend == Backend.POSTGRESQL) {
                database.write(connection -> {
                    String schema = currentSchema(connection);
                    return Sql.update(connection, "DROP SCHEMA " + schema + " CASCADE") + Sql.update(connection, "CREATE SCHEMA " + schema);
                });
            }
            assertThat(Migrations.migrate(database, 4)).containsExactly(1, 2, 3, 4);
            database.write(connection -> {
                Sql.update(connection, "INSERT INTO accounts (account_id, username, created_day, last_connection_day) VALUES (?, 'ann', 1, 2)",
                        (Object) account);
                for (byte[] device : List.of(phone, laptop)) {
                    Sql.update(connection, "INSERT INTO devices (device_id, account_id, identity_key, created_day, last_seen_day) "
                            + "VALUES (?, ?, ?, 1, 2)", device, account, new byte[32]);
                }
                Sql.update(connection, "INSERT INTO mailbox_usage (device_id, pending_count, pending_bytes) VALUES (?, 3, 3)", (Object) phone);
                Sql.update(connection, "INSERT INTO mailbox_usage (device_id, pending_count, pending_bytes) VALUES (?, 0, 0)", (Object) laptop);
                long[] ids = {17, 40, 41};
                for (int i = 0; i < ids.length; i++) {
                    Sql.update(connection, "INSERT INTO envelopes (id, recipient_device, sender_device, payload, arrival_ms) VALUES (?, ?, ?, ?, ?)",
                            ids[i], phone, laptop, new byte[] {(byte) i}, 7_200_000L * (i + 1) + 1234);
                }
                // The server-wide counter had handed out ids up to 41.
                if (backend == Backend.SQLITE) {
                    Sql.update(connection, "UPDATE envelope_ids SET next_id = 42");
                } else {
                    Sql.queryLong(connection, "SELECT setval('envelope_ids', 41)");
                }
                Sql.update(connection, "INSERT INTO key_packages (device_id, key_package) VALUES (?, ?)", laptop, new byte[] {9});
                Sql.update(connection, "INSERT INTO mls_groups (group_id, epoch) VALUES (?, 3)", (Object) new byte[] {5});
                return null;
            });
            assertThat(Migrations.migrate(database)).contains(5);
        }
        try (ServerStores store = ServerStores.open(fresh)) {
            List<Envelope> mail = store.mailbox().pending(DeviceId.of(phone), 0, 10);
            assertThat(mail).extracting(Envelope::id).as("kept under their ids").containsExactly(17L, 40L, 41L);
            assertThat(mail).extracting(envelope -> envelope.payload().byteAt(0)).containsExactly((byte) 0, (byte) 1, (byte) 2);
            assertThat(mail.get(2).arrivalHour()).as("rounded down to the hour").isEqualTo(java.time.Instant.ofEpochSecond(6 * 3600));
            assertThat(store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(DeviceId.of(phone), ByteString.copyFrom(new byte[] {3})))))
                    .get(0).id()).as("numbering goes on above every id handed out before").isGreaterThan(41);
            assertThat(store.mailbox().enqueue(new Delivery(List.of(new NewEnvelope(DeviceId.of(laptop), ByteString.copyFrom(new byte[] {4})))))
                    .get(0).id()).as("for every device: its client may have seen any of them").isGreaterThan(41);
            assertThat(store.accounts().devices(AccountId.of(account))).hasSize(2)
                    .allSatisfy(device -> assertThat(device.mailboxKey()).as("none until the device signs in with one").isNull());
            assertThat(store.keyPackages().count(DeviceId.of(laptop))).isEqualTo(1);
            assertThat(store.accounts().removeDevice(AccountId.of(account), DeviceId.of(phone))).isTrue();
            assertThat(store.mailbox().usage(DeviceId.of(phone))).as("its mail went with it").isEqualTo(MailboxUsage.EMPTY);
            assertThat(store.admin().stats().pendingMessages()).as("the laptop's one").isEqualTo(1);
        }
        try (Database database = Database.connect(fresh.url())) {
            assertThat(columns(database, "envelopes")).containsExactlyInAnyOrder("recipient_device", "seq", "payload", "arrival_hour");
            assertThat(columns(database, "devices")).doesNotContain("seq").contains("mailbox_key");
            assertThat(columns(database, "key_packages")).as("numbered per device, not server-wide")
                    .containsExactlyInAnyOrder("device_id", "seq", "key_package");
            assertThat(columns(database, "mls_groups")).as("dropped").isEmpty();
            assertThat(columns(database, "envelope_ids")).as("dropped").isEmpty();
        }
    }

    /** The columns of a table as the database lists them; empty when there is no such table. */
    private static List<String> columns(Database database, String table) {
        return database.read(connection -> {
            List<String> columns = new java.util.ArrayList<>();
            try (var rows = connection.getMetaData().getColumns(null, connection.getSchema(), table, "%")) {
                while (rows.next()) {
                    columns.add(rows.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
                }
            }
            return columns;
        });
    }

    private static String currentSchema(java.sql.Connection connection) throws java.sql.SQLException {
        try (var statement = connection.createStatement(); var row = statement.executeQuery("SELECT current_schema()")) {
            row.next();
            return row.getString(1);
        }
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aDatabaseFromANewerParleyIsRefused(Backend backend) {
        open(backend);
        int future = Migrations.latestVersion(harness.config().url().dialect()) + 1;
        try (Database database = Database.connect(harness.config().url())) {
            database.write(connection -> Sql.update(connection, "INSERT INTO schema_version (version, applied_day) VALUES (?, 0)", future));
            assertThatThrownBy(() -> Migrations.migrate(database)).isInstanceOf(StoreException.class)
                    .hasMessage("this data was written by a newer Parley (schema V" + future + "); this build knows up to V"
                            + (future - 1) + ": upgrade Parley or restore a backup");
        }
        assertThatThrownBy(harness::restart).as("the server does not start on it").hasMessageContaining("newer Parley");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void eachAppliedScriptIsRecordedWithItsChecksumAndAnEditedOneIsRefused(Backend backend) {
        open(backend);
        harness.store().close();
        try (Database database = Database.connect(harness.config().url())) {
            database.read(connection -> {
                try (var rows = connection.createStatement().executeQuery("SELECT version, checksum, applied_at FROM schema_version ORDER BY version")) {
                    int version = 0;
                    while (rows.next()) {
                        version++;
                        assertThat(rows.getInt(1)).isEqualTo(version);
                        assertThat(rows.getString(2)).as("SHA-256 hex").matches("[0-9a-f]{64}");
                        assertThat(java.time.Instant.parse(rows.getString(3))).isAfter(java.time.Instant.parse("2020-01-01T00:00:00Z"));
                    }
                    assertThat(version).isEqualTo(Migrations.latestVersion(backendDialect(backend)));
                }
                return null;
            });
            database.write(connection -> Sql.update(connection, "UPDATE schema_version SET checksum = ? WHERE version = 3", "0".repeat(64)));
            assertThatThrownBy(() -> Migrations.migrate(database)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("schema V3 of this database was applied from a different script")
                    .hasMessageContaining("0".repeat(64));
        }
        assertThatThrownBy(harness::restart).hasMessageContaining("different script");
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void versionsRecordedBeforeChecksumsGetTheirsOnTheFirstStart(Backend backend) {
        open(backend);
        harness.store().close();
        int latest = Migrations.latestVersion(backendDialect(backend));
        try (Database database = Database.connect(harness.config().url())) {
            // The version table as every release before checksums made it.
            database.write(connection -> {
                Sql.update(connection, "DROP TABLE schema_version");
                Sql.update(connection, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_day INTEGER NOT NULL)");
                for (int version = 1; version <= latest; version++) {
                    Sql.update(connection, "INSERT INTO schema_version (version, applied_day) VALUES (?, 20000)", version);
                }
                return null;
            });
            assertThat(Migrations.migrate(database)).isEmpty();
            long withChecksum = database.read(connection -> Sql.queryLong(connection, "SELECT COUNT(*) FROM schema_version WHERE checksum IS NOT NULL"));
            assertThat(withChecksum).isEqualTo(latest);
        }
        harness.restart();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aMigrationThatFailsHalfwayLeavesThePreviousVersionIntact(Backend backend) {
        open(backend);
        harness.store().close();
        if (backend == Backend.POSTGRESQL) {
            try (Database database = Database.connect(harness.config().url())) {
                database.write(connection -> {
                    String schema = currentSchema(connection);
                    return Sql.update(connection, "DROP SCHEMA " + schema + " CASCADE") + Sql.update(connection, "CREATE SCHEMA " + schema);
                });
            }
        }
        StoreUrl url = backend == Backend.SQLITE ? StoreUrl.sqliteIn(tempDir.resolve("halfway")) : harness.config().url();
        try (Database database = Database.connect(url)) {
            assertThat(Migrations.migrate(database, 5)).hasSize(5);
            // V6 creates send_token_keys first and send_token_quota fourth: the fourth statement fails.
            database.write(connection -> Sql.update(connection, "CREATE TABLE send_token_quota (x INTEGER)"));
            assertThatThrownBy(() -> Migrations.migrate(database)).isInstanceOf(StoreException.class);
            assertThat(database.read(Migrations::currentVersion)).isEqualTo(5);
            assertThat(columns(database, "send_token_keys")).as("V6's first statement was rolled back with it").isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void nodesStartingAtOnceOnAnEmptyDatabaseApplyEachScriptOnce(Backend backend) throws Exception {
        open(backend);
        harness.store().close();
        StoreUrl url = backend == Backend.SQLITE ? StoreUrl.sqliteIn(tempDir.resolve("together")) : harness.config().url();
        if (backend == Backend.POSTGRESQL) {
            try (Database database = Database.connect(url)) {
                database.write(connection -> {
                    String schema = currentSchema(connection);
                    return Sql.update(connection, "DROP SCHEMA " + schema + " CASCADE") + Sql.update(connection, "CREATE SCHEMA " + schema);
                });
            }
        }
        java.util.concurrent.ConcurrentLinkedQueue<Integer> applied = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long started = countSuccesses(6, () -> {
            try (Database database = Database.connect(url)) {
                applied.addAll(Migrations.migrate(database));
                return true;
            }
        });
        assertThat(started).isEqualTo(6);
        int latest = Migrations.latestVersion(backendDialect(backend));
        assertThat(applied).as("every script ran once, by whichever node came first").hasSize(latest).doesNotHaveDuplicates();
        try (Database database = Database.connect(url)) {
            assertThat(database.read(Migrations::currentVersion)).isEqualTo(latest);
        }
    }

    private static Dialect backendDialect(Backend backend) {
        return backend == Backend.SQLITE ? Dialect.SQLITE : Dialect.POSTGRESQL;
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aFailedTransactionLeavesNoTrace(Backend backend) {
        ServerStores store = open(backend);
        try (Database database = Database.connect(harness.config().url())) {
            assertThatThrownBy(() -> database.write(connection -> {
                Sql.update(connection, "INSERT INTO invite_codes (code_hash) VALUES (?)", (Object) new byte[] {1});
                try (PreparedStatement broken = connection.prepareStatement("INSERT INTO no_such_table VALUES (1)")) {
                    return broken.executeUpdate();
                }
            })).isInstanceOf(StoreException.class).hasMessageContaining("database error");
            long codes = database.read(connection -> Sql.queryLong(connection, "SELECT COUNT(*) FROM invite_codes"));
            assertThat(codes).isZero();
        }
        assertThat(store.admin().stats().accounts()).isZero();
    }

    @Test
    void toolsDoNotCreateADatabaseWhereNoneIs() {
        StoreConfig nowhere = StoreConfig.forDataDirectory(tempDir.resolve("missing"), null);
        assertThatThrownBy(() -> ServerStores.openExisting(nowhere))
                .isInstanceOf(StoreException.class).hasMessageContaining("missing").hasMessageContaining("--data");
        assertThat(tempDir.resolve("missing/parley.db")).doesNotExist();

        ServerStores store = open(Backend.SQLITE);
        register(store, "alice");
        try (ServerStores existing = ServerStores.openExisting(harness.config())) {
            assertThat(existing.admin().stats().accounts()).isEqualTo(1);
        }
    }

    @Test
    void sqliteUsesWalWithFullSync() {
        ServerStores store = open(Backend.SQLITE);
        register(store, "alice");
        try (Database database = Database.connect(harness.config().url())) {
            List<String> settings = database.write(connection -> {
                try (var statement = connection.createStatement()) {
                    var journal = statement.executeQuery("PRAGMA journal_mode");
                    journal.next();
                    String mode = journal.getString(1);
                    var sync = statement.executeQuery("PRAGMA synchronous");
                    sync.next();
                    return List.of(mode, sync.getString(1));
                }
            });
            assertThat(settings).containsExactly("wal", "2"); // 2 = FULL
        }
    }
}
