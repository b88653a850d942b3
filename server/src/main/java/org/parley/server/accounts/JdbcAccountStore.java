package org.parley.server.accounts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;

import org.parley.protocol.MailboxSeal;
import org.parley.server.storage.Database;
import org.parley.server.storage.Secrets;
import org.parley.server.storage.Sql;
import org.parley.server.storage.UtcDays;

import static org.parley.server.storage.Sql.byteString;
import static org.parley.server.storage.Sql.update;

/** {@link AccountStore} on SQLite or PostgreSQL (schema in {@code migrations/<dialect>/V1.sql}). */
public final class JdbcAccountStore implements AccountStore {
    private static final int INVITE_CODE_BYTES = 16;
    private static final String DEVICE_COLUMNS = "device_id, account_id, identity_key, mailbox_key, created_day, last_seen_day";
    /** Devices whose mailbox key, and whose owner, are held in memory: about 100 bytes each. */
    private static final int CACHED_DEVICES = 100_000;
    /** How long a cached mailbox key is trusted: how stale it can be after another node replaced it. */
    private static final long MAILBOX_KEY_MAX_AGE_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * How long a device's cached owner is trusted: how long another node may still take unsealed
     * sends for an account that just asked for sealed ones only (this node forgets at once).
     */
    private static final long OWNER_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Parameters per IN (...) list, well under SQLite's and PostgreSQL's limits. */
    private static final int CHUNK = 500;

    private final Database database;
    private final Clock clock;
    private final DeviceCache<byte[]> mailboxKeys = new DeviceCache<>(CACHED_DEVICES, MAILBOX_KEY_MAX_AGE_NANOS);
    /** The account and its sealed-only setting of each device that was sent to lately: read for every unsealed send. */
    private final DeviceCache<DeviceOwner> owners = new DeviceCache<>(CACHED_DEVICES, OWNER_MAX_AGE_NANOS);

    public JdbcAccountStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public Registration register(Username username, byte[] identityPublicKey, byte[] mailboxKey, byte[] accessKey, byte[] inviteCode) {
        checkIdentityKey(identityPublicKey);
        checkMailboxKey(mailboxKey);
        AccountId account = AccountId.random();
        long today = UtcDays.today(clock);
        return database.write(connection -> {
            if (inviteCode != null && update(connection, "DELETE FROM invite_codes WHERE code_hash = ?", Secrets.hash(inviteCode)) == 0) {
                throw new InvalidInviteCodeException();
            }
            if (findByUsername(connection, username).isPresent()) {
                throw new UsernameTakenException(username);
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO accounts (account_id, username, created_day, last_connection_day, access_key_hash) VALUES (?, ?, ?, ?, ?)")) {
                insert.setBytes(1, account.bytes());
                insert.setString(2, username.value());
                insert.setLong(3, today);
                insert.setLong(4, today);
                insert.setBytes(5, accessKey == null ? null : Secrets.hash(accessKey));
                insert.executeUpdate();
            } catch (SQLException e) {
                // A concurrent registration (another node) took the name between check and insert.
                if (database.dialect().isUniqueViolation(e)) {
                    throw new UsernameTakenException(username);
                }
                throw e;
            }
            DeviceRecord device = insertDevice(connection, account, identityPublicKey, mailboxKey, today);
            return new Registration(account, device.id());
        });
    }

    @Override
    public Optional<AccountRecord> account(AccountId account) {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT account_id, username, created_day, last_connection_day FROM accounts WHERE account_id = ?")) {
                select.setBytes(1, account.bytes());
                return accountRow(select);
            }
        });
    }

    @Override
    public Optional<AccountRecord> findByUsername(Username username) {
        return database.read(connection -> findByUsername(connection, username));
    }

    private static Optional<AccountRecord> findByUsername(Connection connection, Username username) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT account_id, username, created_day, last_connection_day FROM accounts WHERE username = ?")) {
            select.setString(1, username.value());
            return accountRow(select);
        }
    }

    private static Optional<AccountRecord> accountRow(PreparedStatement select) throws SQLException {
        try (ResultSet row = select.executeQuery()) {
            if (!row.next()) {
                return Optional.empty();
            }
            return Optional.of(new AccountRecord(AccountId.of(row.getBytes(1)), new Username(row.getString(2)),
                    UtcDays.date(row.getLong(3)), UtcDays.date(row.getLong(4))));
        }
    }

    @Override
    public Optional<DeviceRecord> device(DeviceId device) {
        return devicesWhere("device_id = ?", device.bytes()).stream().findFirst();
    }

    @Override
    public List<DeviceRecord> devices(AccountId account) {
        return devicesWhere("account_id = ?", account.bytes());
    }

    private List<DeviceRecord> devicesWhere(String condition, byte[] id) {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + DEVICE_COLUMNS + " FROM devices WHERE " + condition + " ORDER BY created_day, device_id")) {
                select.setBytes(1, id);
                return deviceRows(select);
            }
        });
    }

    private static List<DeviceRecord> deviceRows(PreparedStatement select) throws SQLException {
        List<DeviceRecord> devices = new ArrayList<>();
        try (ResultSet row = select.executeQuery()) {
            while (row.next()) {
                devices.add(new DeviceRecord(DeviceId.of(row.getBytes(1)), AccountId.of(row.getBytes(2)), byteString(row, 3),
                        row.getBytes(4) == null ? null : byteString(row, 4), UtcDays.date(row.getLong(5)), UtcDays.date(row.getLong(6))));
            }
        }
        return devices;
    }

    @Override
    public void recordConnection(DeviceId device) {
        long today = UtcDays.today(clock);
        DeviceRecord known = device(device).orElseThrow(() -> new UnknownDeviceException(device));
        if (known.lastSeenDay().toEpochDay() == today) {
            return; // the common case costs one read, no write
        }
        database.write(connection -> {
            if (update(connection, "UPDATE devices SET last_seen_day = ? WHERE device_id = ?", today, device.bytes()) == 0) {
                throw new UnknownDeviceException(device);
            }
            update(connection, "UPDATE accounts SET last_connection_day = ? WHERE account_id = ?", today, known.account().bytes());
            return null;
        });
    }

    @Override
    public void setAccessKey(AccountId account, byte[] accessKey) {
        database.write(connection -> update(connection, "UPDATE accounts SET access_key_hash = ? WHERE account_id = ?",
                accessKey == null ? null : Secrets.hash(accessKey), account.bytes()));
    }

    @Override
    public boolean accessKeyMatches(AccountId account, byte[] accessKey) {
        byte[] storedHash = database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT access_key_hash FROM accounts WHERE account_id = ?")) {
                select.setBytes(1, account.bytes());
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? row.getBytes(1) : null;
                }
            }
        });
        return Secrets.matches(accessKey, storedHash);
    }

    @Override
    public void setSealedOnly(AccountId account, boolean sealedOnly) {
        database.write(connection -> update(connection, "UPDATE accounts SET sealed_only = ? WHERE account_id = ?", sealedOnly, account.bytes()));
        owners.forgetAll();
    }

    @Override
    public List<DeviceOwner> ownersOf(java.util.Collection<DeviceId> devices) {
        Map<DeviceId, DeviceOwner> found = cachedByDevice(devices, owners, "SELECT d.device_id, a.account_id, a.sealed_only FROM devices d "
                + "JOIN accounts a ON a.account_id = d.account_id WHERE d.device_id IN (",
                row -> new DeviceOwner(AccountId.of(row.getBytes(2)), row.getBoolean(3)));
        return List.copyOf(new java.util.LinkedHashSet<>(found.values()));
    }

    @Override
    public DeviceRecord addDevice(AccountId account, byte[] identityPublicKey, byte[] mailboxKey) {
        return addDevice(account, identityPublicKey, mailboxKey, Integer.MAX_VALUE);
    }

    @Override
    public DeviceRecord addDevice(AccountId account, byte[] identityPublicKey, byte[] mailboxKey, int maxDevices) {
        checkIdentityKey(identityPublicKey);
        checkMailboxKey(mailboxKey);
        // SQLite's one writer already serialises this; PostgreSQL locks the account's row against other nodes.
        String lockAccount = "SELECT 1 FROM accounts WHERE account_id = ?"
                + (database.dialect() == org.parley.server.storage.Dialect.POSTGRESQL ? " FOR UPDATE" : "");
        return database.write(connection -> {
            if (Sql.queryLong(connection, lockAccount, account.bytes()) == 0) {
                throw new UnknownAccountException(account);
            }
            if (Sql.queryLong(connection, "SELECT COUNT(*) FROM devices WHERE account_id = ?", account.bytes()) >= maxDevices) {
                throw new DeviceLimitException(maxDevices);
            }
            return insertDevice(connection, account, identityPublicKey, mailboxKey, UtcDays.today(clock));
        });
    }

    private static DeviceRecord insertDevice(Connection connection, AccountId account, byte[] identityPublicKey, byte[] mailboxKey,
                                             long today) throws SQLException {
        DeviceId device = DeviceId.random();
        update(connection, "INSERT INTO devices (device_id, account_id, identity_key, mailbox_key, created_day, last_seen_day) "
                + "VALUES (?, ?, ?, ?, ?, ?)", device.bytes(), account.bytes(), identityPublicKey, mailboxKey, today, today);
        // The mailbox's quota row, which also numbers its mail, is born with the device (see the schema).
        update(connection, "INSERT INTO mailbox_usage (device_id, pending_count, pending_bytes, next_seq) VALUES (?, 0, 0, 1)", device.bytes());
        return new DeviceRecord(device, account, ByteString.copyFrom(identityPublicKey), ByteString.copyFrom(mailboxKey),
                UtcDays.date(today), UtcDays.date(today));
    }

    @Override
    public void setMailboxKey(DeviceId device, byte[] mailboxKey) {
        checkMailboxKey(mailboxKey);
        database.write(connection -> {
            if (update(connection, "UPDATE devices SET mailbox_key = ? WHERE device_id = ?", mailboxKey, device.bytes()) == 0) {
                throw new UnknownDeviceException(device);
            }
            return null;
        });
        mailboxKeys.forget(device);
    }

    @Override
    public Map<DeviceId, byte[]> mailboxKeys(Collection<DeviceId> devices) {
        return cachedByDevice(devices, mailboxKeys, "SELECT device_id, mailbox_key FROM devices WHERE device_id IN (", row -> row.getBytes(2));
    }

    /** Reads one device's answer from a row whose first column is its id. */
    @FunctionalInterface
    private interface DeviceColumns<V> {
        V read(ResultSet row) throws SQLException;
    }

    /**
     * What is known of each of {@code devices}: from {@code cache} where it holds a fresh answer, else
     * read by {@code selectUpToIn} (a query ending in "IN (", its first column the device id) and cached.
     * Unknown devices are left out.
     */
    private <V> Map<DeviceId, V> cachedByDevice(Collection<DeviceId> devices, DeviceCache<V> cache, String selectUpToIn,
                                                DeviceColumns<V> columns) {
        Map<DeviceId, V> found = new HashMap<>();
        List<DeviceId> missing = new ArrayList<>();
        for (DeviceId device : new java.util.LinkedHashSet<>(devices)) {
            if (!cache.lookUp(device, found)) {
                missing.add(device);
            }
        }
        for (int from = 0; from < missing.size(); from += CHUNK) {
            List<DeviceId> chunk = missing.subList(from, Math.min(missing.size(), from + CHUNK));
            long readAt = System.nanoTime();
            long generation = cache.generation();
            database.read(connection -> {
                try (PreparedStatement select = connection.prepareStatement(selectUpToIn
                        + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ")")) {
                    for (int i = 0; i < chunk.size(); i++) {
                        select.setBytes(i + 1, chunk.get(i).bytes());
                    }
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            DeviceId device = DeviceId.of(rows.getBytes(1));
                            V value = columns.read(rows);
                            found.put(device, value);
                            cache.put(device, value, readAt, generation);
                        }
                    }
                }
                return null;
            });
        }
        return found;
    }

    @Override
    public boolean removeDevice(AccountId account, DeviceId device) {
        // Key packages, the last-resort package, pending mail and the quota row go by ON DELETE CASCADE.
        boolean removed = database.write(connection ->
                update(connection, "DELETE FROM devices WHERE device_id = ? AND account_id = ?", device.bytes(), account.bytes()) > 0);
        mailboxKeys.forget(device);
        owners.forget(device);
        return removed;
    }

    @Override
    public byte[] createInviteCode() {
        byte[] code = Secrets.random(INVITE_CODE_BYTES);
        database.write(connection -> update(connection, "INSERT INTO invite_codes (code_hash) VALUES (?)", Secrets.hash(code)));
        return code;
    }

    private static void checkMailboxKey(byte[] mailboxKey) {
        if (!MailboxSeal.isValidPublicKey(mailboxKey)) {
            throw new IllegalArgumentException("a mailbox key is an X25519 public key of " + MailboxSeal.KEY_BYTES + " bytes, not all zero");
        }
    }

    private static void checkIdentityKey(byte[] identityPublicKey) {
        if (identityPublicKey == null || identityPublicKey.length != IDENTITY_KEY_LENGTH) {
            throw new IllegalArgumentException("a device identity key is an Ed25519 public key of " + IDENTITY_KEY_LENGTH
                    + " bytes, got " + (identityPublicKey == null ? "none" : identityPublicKey.length + " bytes"));
        }
    }
}
