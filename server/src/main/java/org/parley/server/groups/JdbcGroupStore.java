package org.parley.server.groups;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;

import org.parley.server.mailbox.Precondition;
import org.parley.server.storage.Database;
import org.parley.server.storage.StoreRejectedException;
import org.parley.server.storage.UtcDays;

import static org.parley.server.storage.Sql.byteString;
import static org.parley.server.storage.Sql.update;

/**
 * {@link GroupStore} on SQLite or PostgreSQL (table {@code routing_groups}). The check reads the
 * group's row, on PostgreSQL with a row lock held to the end of the mailbox's transaction, so the
 * epoch and key it checked are still those the conditional UPDATE ({@code ... WHERE epoch = ?})
 * changes. A group's first commit inserts its row with {@code ON CONFLICT DO NOTHING}: of two
 * concurrent first commits, the second waits for the first and then inserts nothing, and is refused
 * with the group as the first left it.
 */
public final class JdbcGroupStore implements GroupStore {
    /** Groups deleted per transaction, so that retention never holds the writer long. */
    private static final int DELETE_CHUNK = 500;

    private final Database database;
    private final Clock clock;

    public JdbcGroupStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public Optional<GroupState> state(RoutingId group) {
        return database.read(connection -> state(connection, group, ""));
    }

    private static Optional<GroupState> state(Connection connection, RoutingId group, String lock) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT epoch, commit_id, commit_key FROM routing_groups WHERE routing_id = ?" + lock)) {
            select.setBytes(1, group.bytes());
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                byte[] commit = row.getBytes(2);
                return Optional.of(new GroupState(group, row.getLong(1), commit == null ? null : CommitId.of(commit), byteString(row, 3)));
            }
        }
    }

    @Override
    public Precondition commit(GroupCommit commit) {
        return new Precondition() {
            @Override
            public StoreRejectedException check(Connection connection) throws SQLException {
                Optional<GroupState> current = state(connection, commit.group(), database.dialect().forUpdate());
                if (current.isEmpty()) {
                    return null; // a new group, or one forgotten after the retention period
                }
                GroupState group = current.get();
                if (group.epoch() != commit.epoch()) {
                    return new StaleEpochException(group);
                }
                // A signature checked before the transaction against this very key is not checked again.
                if (!group.commitKey().equals(commit.verifiedAgainst()) && !commit.signedBy(group.commitKey())) {
                    return new UnauthorisedCommitException();
                }
                return null;
            }

            @Override
            public StoreRejectedException apply(Connection connection) throws SQLException {
                long today = UtcDays.today(clock);
                int changed = update(connection, "UPDATE routing_groups SET epoch = ?, commit_id = ?, commit_key = ?, last_used_day = ? "
                                + "WHERE routing_id = ? AND epoch = ?",
                        commit.epoch() + 1, commit.commit().bytes(), commit.nextEpochKey().toByteArray(), today,
                        commit.group().bytes(), commit.epoch());
                if (changed == 0) {
                    changed = update(connection, "INSERT INTO routing_groups (routing_id, epoch, commit_id, commit_key, last_used_day) "
                                    + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (routing_id) DO NOTHING",
                            commit.group().bytes(), commit.epoch() + 1, commit.commit().bytes(), commit.nextEpochKey().toByteArray(), today);
                }
                if (changed == 1) {
                    return null;
                }
                return new StaleEpochException(state(connection, commit.group(), "").orElseThrow());
            }
        };
    }

    @Override
    public int deleteUnused(int retentionDays) {
        long cutoff = UtcDays.today(clock) - retentionDays;
        int total = 0;
        while (true) {
            int deleted = database.write(connection -> update(connection, "DELETE FROM routing_groups WHERE routing_id IN "
                    + "(SELECT routing_id FROM routing_groups WHERE last_used_day < ? LIMIT " + DELETE_CHUNK + ")", cutoff));
            total += deleted;
            if (deleted < DELETE_CHUNK) {
                return total;
            }
        }
    }
}
