package org.parley.server.admin;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.Username;
import org.parley.server.storage.Database;
import org.parley.server.storage.UtcDays;

import static org.parley.server.storage.Sql.byteString;
import static org.parley.server.storage.Sql.queryLong;

/** {@link AdminStore} on SQLite or PostgreSQL; each answer is read from one consistent snapshot. */
public final class JdbcAdminStore implements AdminStore {
    private final Database database;

    public JdbcAdminStore(Database database) {
        this.database = database;
    }

    @Override
    public Optional<Disclosure> disclose(Username username) {
        return database.read(connection -> {
            byte[] account;
            long created;
            long lastConnection;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT account_id, created_day, last_connection_day FROM accounts WHERE username = ?")) {
                select.setString(1, username.value());
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    account = row.getBytes(1);
                    created = row.getLong(2);
                    lastConnection = row.getLong(3);
                }
            }
            List<Disclosure.DisclosedDevice> devices = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT device_id, identity_key FROM devices WHERE account_id = ? ORDER BY created_day, device_id")) {
                select.setBytes(1, account);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        devices.add(new Disclosure.DisclosedDevice(DeviceId.of(rows.getBytes(1)), byteString(rows, 2)));
                    }
                }
            }
            String ofAccount = " JOIN devices d ON d.device_id = x.device_id WHERE d.account_id = ?";
            long keyPackages = queryLong(connection, "SELECT COUNT(*) FROM key_packages x" + ofAccount, account);
            long pendingMessages = queryLong(connection, "SELECT SUM(x.pending_count) FROM mailbox_usage x" + ofAccount, account);
            long pendingBytes = queryLong(connection, "SELECT SUM(x.pending_bytes) FROM mailbox_usage x" + ofAccount, account);
            return Optional.of(new Disclosure(UtcDays.date(created), UtcDays.date(lastConnection), devices,
                    keyPackages, pendingMessages, pendingBytes));
        });
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
