package org.parley.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.parley.server.accounts.AccountStore;
import org.parley.server.accounts.JdbcAccountStore;
import org.parley.server.admin.AdminStore;
import org.parley.server.admin.JdbcAdminStore;
import org.parley.server.attachments.AttachmentStore;
import org.parley.server.attachments.FileAttachmentStore;
import org.parley.server.attachments.PostgresAttachmentStore;
import org.parley.server.calls.CallTokens;
import org.parley.server.http.JdbcUploadTickets;
import org.parley.server.http.UploadTicketStore;
import org.parley.server.http.UploadTickets;
import org.parley.server.ratelimit.Limiters;
import org.parley.server.groups.GroupStore;
import org.parley.server.groups.JdbcGroupStore;
import org.parley.server.identity.JdbcAnnouncementStore;
import org.parley.server.identity.JdbcServerKeyStore;
import org.parley.server.identity.ServerIdentity;
import org.parley.server.identity.ServerKey;
import org.parley.server.keys.JdbcKeyPackageStore;
import org.parley.server.keys.KeyPackageStore;
import org.parley.server.mailbox.JdbcMailboxStore;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.storage.Database;
import org.parley.server.storage.Dialect;
import org.parley.server.storage.SharedSecrets;
import org.parley.server.storage.Migrations;
import org.parley.server.storage.StoreException;
import org.parley.server.storage.UtcDays;
import org.parley.server.tokens.JdbcTokenStore;

/**
 * Everything the server stores, opened from one {@link StoreConfig}: the database (migrated to
 * the latest schema on open) and the attachment directory, with one store per capability.
 * A PostgreSQL database may be shared by several nodes ({@link #sharedByNodes()}): then also the
 * state a single node keeps in memory (limits, upload tickets, pending device links, the call-token
 * secret) and the attachments themselves live in it, so any node can serve any request.
 * Thread-safe; open one per process and share it. {@link #close()} releases the connections;
 * it is not needed for durability (every acknowledged write is already on disk).
 */
public final class ServerStores implements AutoCloseable {
    private final StoreConfig config;
    private final Database database;
    private final AccountStore accounts;
    private final KeyPackageStore keyPackages;
    private final MailboxStore mailbox;
    private final GroupStore groups;
    private final AttachmentStore attachments;
    private final AdminStore admin;
    private final JdbcTokenStore tokens;

    private ServerStores(StoreConfig config, Database database) {
        this.config = config;
        this.database = database;
        this.accounts = new JdbcAccountStore(database, config.clock());
        this.keyPackages = new JdbcKeyPackageStore(database);
        this.mailbox = new JdbcMailboxStore(database, config.clock(), config.mailboxLimits());
        this.groups = new JdbcGroupStore(database, config.clock());
        this.attachments = sharedByNodes() ? new PostgresAttachmentStore(database, config.clock(), config.attachmentMaxBytes())
                : new FileAttachmentStore(database, config.attachmentDirectory(), config.clock(), config.attachmentMaxBytes());
        this.admin = new JdbcAdminStore(database);
        this.tokens = new JdbcTokenStore(database);
    }

    /**
     * Connects, creating the SQLite file and the attachment directory on first use, and applies
     * pending schema migrations.
     *
     * @throws StoreException if the database cannot be reached or migrated
     */
    public static ServerStores open(StoreConfig config) {
        Database database = Database.connect(config.url());
        try {
            Migrations.migrate(database);
            ServerStores stores = new ServerStores(config, database);
            if (stores.attachments instanceof PostgresAttachmentStore shared) {
                importAttachmentFiles(shared, config.attachmentDirectory());
            }
            return stores;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** Attachments this node kept as files before its nodes shared them in PostgreSQL go into the database. */
    private static void importAttachmentFiles(PostgresAttachmentStore shared, Path directory) {
        try {
            int moved = shared.importFiles(directory);
            if (moved > 0) {
                org.slf4j.LoggerFactory.getLogger(ServerStores.class).info("moved {} attachments from {} into the database", moved, directory);
            }
        } catch (java.io.IOException e) {
            throw new StoreException("cannot move the attachments in " + directory + " into the database: " + e.getMessage(), e);
        }
    }

    /**
     * Like {@link #open}, but for tools that read an existing server's data ({@code parley admin}):
     * fails instead of creating an empty SQLite database where none is.
     *
     * @throws StoreException if the SQLite file does not exist, naming it
     */
    public static ServerStores openExisting(StoreConfig config) {
        Path file = config.url().sqliteFile();
        if (file != null && !Files.isRegularFile(file)) {
            throw new StoreException("no Parley database at " + file
                    + ": give the data folder of the server with --data DIR, or its database with --db URL");
        }
        return open(config);
    }

    public StoreConfig config() {
        return config;
    }

    public AccountStore accounts() {
        return accounts;
    }

    public KeyPackageStore keyPackages() {
        return keyPackages;
    }

    public MailboxStore mailbox() {
        return mailbox;
    }

    public GroupStore groups() {
        return groups;
    }

    public AttachmentStore attachments() {
        return attachments;
    }

    public AdminStore admin() {
        return admin;
    }

    /** Send-token day keys, issuance counts and spent tokens. */
    public JdbcTokenStore tokens() {
        return tokens;
    }

    /**
     * The server's Ed25519 key, made on the first start: in the data folder beside a SQLite
     * database (an owner-only file), in the database for PostgreSQL, which every node shares.
     */
    public org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters serverKey(java.security.SecureRandom random) {
        Path sqlite = config.url().sqliteFile();
        return sqlite != null ? ServerKey.loadOrCreate(sqlite.toAbsolutePath().resolveSibling(ServerKey.FILE_NAME), random)
                : new JdbcServerKeyStore(database).loadOrCreate(random);
    }

    /**
     * The server's key with its announcement of {@code alternates} at a start at {@code nowMillis}:
     * signed now for a SQLite server (one node); for PostgreSQL, the announcement all nodes show
     * ({@link JdbcAnnouncementStore#start}).
     */
    public ServerIdentity serverIdentity(java.security.SecureRandom random, List<String> alternates, long nowMillis) {
        var key = serverKey(random);
        return sharedByNodes() ? new JdbcAnnouncementStore(database).start(key, alternates, nowMillis)
                : ServerIdentity.sign(key, alternates, nowMillis);
    }

    /**
     * Shows a newer announcement that another node stored since ({@link JdbcAnnouncementStore#refresh});
     * nothing for a SQLite server.
     *
     * @return whether {@code identity} now shows another announcement
     */
    public boolean refreshServerIdentity(ServerIdentity identity) {
        return sharedByNodes() && new JdbcAnnouncementStore(database).refresh(identity);
    }

    /**
     * Whether nodes may share this database (PostgreSQL): a SQLite file belongs to one process,
     * which keeps its soft state in memory.
     */
    public boolean sharedByNodes() {
        return database.dialect() == Dialect.POSTGRESQL;
    }

    /** The server's limits: in memory on SQLite, in the database when nodes share it, counted across them. */
    public Limiters limiters(java.time.Clock clock) {
        return sharedByNodes() ? Limiters.shared(database, clock) : Limiters.inMemory(clock);
    }

    /** Attachment upload tickets: in memory on SQLite, in the database when nodes share it, so any node redeems them. */
    public UploadTicketStore uploadTickets(java.security.SecureRandom random, java.time.Clock clock, int openPerAccount,
                                           java.time.Duration uploadTimeout) {
        return sharedByNodes() ? new JdbcUploadTickets(database, random, clock, openPerAccount, uploadTimeout)
                : new UploadTickets(random, clock, openPerAccount, uploadTimeout);
    }

    /**
     * Call tokens: under a secret fresh for this process on SQLite (as before; a restart voids
     * issued tokens, and clients ask again), under one secret that every node reads from the
     * database when nodes share it, so a token issued by one node is accepted by any node's relay.
     */
    public CallTokens callTokens(java.security.SecureRandom random, java.time.Clock clock, java.time.Duration lifetime) {
        return sharedByNodes() ? new CallTokens(new SharedSecrets(database).loadOrCreate("call-tokens", 32), clock, lifetime)
                : CallTokens.withRandomSecret(random, clock, lifetime);
    }

    /** The database, for the stores of soft state that nodes share ({@code requests}' pending device links). */
    public Database database() {
        return database;
    }

    /** What one pass of {@link #deleteUnused()} deleted. */
    public record Deleted(int mail, int groups, int keyPackages, int attachments) {
        public int total() {
            return mail + groups + keyPackages + attachments;
        }
    }

    /**
     * Deletes what has not been used for the retention period ({@link StoreConfig#retentionDays()}):
     * undelivered mail, groups without a commit, attachments, and the key packages of devices not
     * seen. Accounts and devices stay: they are people's identities, and a device row without its
     * key packages cannot be reached anyway. The server runs this every hour.
     */
    public Deleted deleteUnused() {
        int days = config.retentionDays();
        java.time.LocalDate start = UtcDays.date(UtcDays.today(config.clock()) - days);
        return new Deleted(mailbox.deleteExpired(), groups.deleteUnused(days), keyPackages.deleteOfDevicesLastSeenBefore(start),
                attachments.deleteExpired(days));
    }

    /**
     * Runs a trivial query: for the readiness check.
     *
     * @throws StoreException if the database cannot answer (down, unreachable, or this store closed)
     */
    public void checkDatabase() {
        database.read(connection -> {
            try (var statement = connection.createStatement()) {
                return statement.execute("SELECT 1");
            }
        });
    }

    @Override
    public void close() {
        database.close();
    }
}
