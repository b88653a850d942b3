package org.parley.server.keys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.ByteString;

import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.UnknownDeviceException;
import org.parley.server.storage.Database;

import static org.parley.server.storage.Sql.byteString;
import static org.parley.server.storage.Sql.queryLong;
import static org.parley.server.storage.Sql.update;

/**
 * {@link KeyPackageStore} on SQLite or PostgreSQL. A claim takes each device's oldest package
 * with {@code FOR UPDATE SKIP LOCKED} on PostgreSQL, so concurrent claims take different rows
 * instead of waiting or colliding; on SQLite the single serialized writer gives the same.
 */
public final class JdbcKeyPackageStore implements KeyPackageStore {
    private final Database database;

    public JdbcKeyPackageStore(Database database) {
        this.database = database;
    }

    @Override
    public void upload(DeviceId device, List<byte[]> keyPackages) {
        keyPackages.forEach(JdbcKeyPackageStore::checkSize);
        if (keyPackages.size() > MAX_KEY_PACKAGES_PER_DEVICE) {
            throw new KeyPackageLimitException(device, 0, keyPackages.size());
        }
        database.write(connection -> {
            lockDevice(connection, device);
            int stored = (int) queryLong(connection, "SELECT COUNT(*) FROM key_packages WHERE device_id = ?", device.bytes());
            if (stored + keyPackages.size() > MAX_KEY_PACKAGES_PER_DEVICE) {
                throw new KeyPackageLimitException(device, stored, keyPackages.size());
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO key_packages (device_id, key_package) VALUES (?, ?)")) {
                for (byte[] keyPackage : keyPackages) {
                    insert.setBytes(1, device.bytes());
                    insert.setBytes(2, keyPackage);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return null;
        });
    }

    @Override
    public void setLastResort(DeviceId device, byte[] keyPackage) {
        checkSize(keyPackage);
        database.write(connection -> {
            lockDevice(connection, device);
            return update(connection, "INSERT INTO last_resort_key_packages (device_id, key_package) VALUES (?, ?) "
                    + "ON CONFLICT (device_id) DO UPDATE SET key_package = excluded.key_package", device.bytes(), keyPackage);
        });
    }

    /** Fails for an unknown device; on PostgreSQL also serializes uploads of one device, so the cap holds. */
    private void lockDevice(Connection connection, DeviceId device) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT 1 FROM devices WHERE device_id = ?" + database.dialect().forUpdate())) {
            select.setBytes(1, device.bytes());
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new UnknownDeviceException(device);
                }
            }
        }
    }

    @Override
    public List<ClaimedKeyPackage> claim(AccountId account) {
        return database.write(connection -> {
            List<DeviceId> devices = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT device_id FROM devices WHERE account_id = ? ORDER BY created_day, device_id")) {
                select.setBytes(1, account.bytes());
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        devices.add(DeviceId.of(rows.getBytes(1)));
                    }
                }
            }
            List<ClaimedKeyPackage> claimed = new ArrayList<>();
            try (PreparedStatement oldest = connection.prepareStatement("SELECT id, key_package FROM key_packages WHERE device_id = ? "
                    + "ORDER BY id LIMIT 1" + database.dialect().forUpdateSkipLocked());
                 PreparedStatement delete = connection.prepareStatement("DELETE FROM key_packages WHERE id = ?");
                 PreparedStatement lastResort = connection.prepareStatement(
                         "SELECT key_package FROM last_resort_key_packages WHERE device_id = ?")) {
                for (DeviceId device : devices) {
                    ClaimedKeyPackage regular = takeOldest(oldest, delete, device);
                    if (regular != null) {
                        claimed.add(regular);
                        continue;
                    }
                    lastResort.setBytes(1, device.bytes());
                    try (ResultSet row = lastResort.executeQuery()) {
                        if (row.next()) {
                            claimed.add(new ClaimedKeyPackage(device, byteString(row, 1), true));
                        }
                    }
                }
            }
            return claimed;
        });
    }

    private static ClaimedKeyPackage takeOldest(PreparedStatement oldest, PreparedStatement delete, DeviceId device) throws SQLException {
        oldest.setBytes(1, device.bytes());
        long id;
        ByteString keyPackage;
        try (ResultSet row = oldest.executeQuery()) {
            if (!row.next()) {
                return null;
            }
            id = row.getLong(1);
            keyPackage = byteString(row, 2);
        }
        delete.setLong(1, id);
        if (delete.executeUpdate() != 1) {
            // Unreachable while the row is locked (PostgreSQL) or the writer is alone (SQLite);
            // failing loudly beats handing a package out twice.
            throw new SQLException("key package " + id + " vanished while it was being claimed");
        }
        return new ClaimedKeyPackage(device, keyPackage, false);
    }

    @Override
    public int count(DeviceId device) {
        return database.read(connection -> (int) queryLong(connection, "SELECT COUNT(*) FROM key_packages WHERE device_id = ?", device.bytes()));
    }

    @Override
    public int deleteOfDevicesLastSeenBefore(java.time.LocalDate day) {
        String absent = " WHERE device_id IN (SELECT device_id FROM devices WHERE last_seen_day < ?)";
        return database.write(connection -> update(connection, "DELETE FROM key_packages" + absent, day.toEpochDay())
                + update(connection, "DELETE FROM last_resort_key_packages" + absent, day.toEpochDay()));
    }

    private static void checkSize(byte[] keyPackage) {
        if (keyPackage == null || keyPackage.length == 0 || keyPackage.length > MAX_KEY_PACKAGE_BYTES) {
            throw new IllegalArgumentException("a key package must be 1 to " + MAX_KEY_PACKAGE_BYTES + " bytes, got "
                    + (keyPackage == null ? "none" : keyPackage.length + " bytes"));
        }
    }
}
