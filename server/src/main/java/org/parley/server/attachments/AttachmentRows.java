package org.parley.server.attachments;

import org.parley.server.storage.Database;
import org.parley.server.storage.UtcDays;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.parley.server.storage.Sql.update;

/** The {@code attachments} table (id, size, upload day), whichever store holds the blobs. */
final class AttachmentRows {
    private final Database database;
    private final Clock clock;

    AttachmentRows(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** The row of a finished upload, made visible by inserting it on {@code connection}. */
    AttachmentRecord insert(Connection connection, AttachmentId id, long size) throws SQLException {
        AttachmentRecord record = new AttachmentRecord(id, size, UtcDays.date(UtcDays.today(clock)));
        update(connection, "INSERT INTO attachments (attachment_id, size_bytes, created_day) VALUES (?, ?, ?)",
                id.bytes(), size, record.created().toEpochDay());
        return record;
    }

    Optional<AttachmentRecord> find(AttachmentId id) {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT size_bytes, created_day FROM attachments WHERE attachment_id = ?")) {
                select.setBytes(1, id.bytes());
                try (ResultSet row = select.executeQuery()) {
                    return row.next()
                            ? Optional.of(new AttachmentRecord(id, row.getLong(1), UtcDays.date(row.getLong(2))))
                            : Optional.<AttachmentRecord>empty();
                }
            }
        });
    }

    /** @return false if there was no such row */
    boolean delete(Connection connection, AttachmentId id) throws SQLException {
        return update(connection, "DELETE FROM attachments WHERE attachment_id = ?", id.bytes()) > 0;
    }

    /** Attachments uploaded more than {@code retentionDays} whole days ago. */
    List<AttachmentId> expired(int retentionDays) {
        long cutoffDay = UtcDays.today(clock) - retentionDays;
        return database.read(connection -> {
            List<AttachmentId> ids = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT attachment_id FROM attachments WHERE created_day < ?")) {
                select.setLong(1, cutoffDay);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(AttachmentId.of(rows.getBytes(1)));
                    }
                }
            }
            return ids;
        });
    }
}
