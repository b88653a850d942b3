package org.parley.server.groups;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import org.parley.server.mailbox.Precondition;
import org.parley.server.storage.Database;
import org.parley.server.storage.StoreRejectedException;

import static org.parley.server.storage.Sql.byteString;
import static org.parley.server.storage.Sql.update;

/**
 * {@link GroupStore} on SQLite or PostgreSQL. The check reads the group's row, on PostgreSQL
 * with a row lock held to the end of the mailbox's transaction, so the epoch and key it checked are
 * still those the conditional UPDATE ({@code ... WHERE epoch = ?}) changes. A group's first commit
 * inserts its row with {@code ON CONFLICT DO NOTHING}: of two concurrent first commits, the second
 * waits for the first and then inserts nothing, and is refused with the group as the first left it.
 */
public final class JdbcGroupStore implements GroupStore {
    private final Database database;

    public JdbcGroupStore(Database database) {
        this.database = database;
    }

    @Override
    public Optional<GroupState> state(GroupId group) {
        return database.read(connection -> state(connection, group, ""));
    }

    private static Optional<GroupState> state(Connection connection, GroupId group, String lock) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT epoch, commit_id, commit_key FROM mls_groups WHERE group_id = ?" + lock)) {
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
                    return commit.epoch() == 0 ? null : new UnknownGroupException(commit.group());
                }
                GroupState group = current.get();
                if (group.epoch() != commit.epoch()) {
                    return new StaleEpochException(group);
                }
                // A group recorded before commit keys existed has none: its next commit registers one.
                // A signature checked before the transaction against this very key is not checked again.
                if (group.commitKey() != null && !group.commitKey().equals(commit.verifiedAgainst())
                        && !commit.signedBy(group.commitKey())) {
                    return new UnauthorisedCommitException();
                }
                return null;
            }

            @Override
            public StoreRejectedException apply(Connection connection) throws SQLException {
                int changed = update(connection, "UPDATE mls_groups SET epoch = ?, commit_id = ?, commit_key = ? "
                                + "WHERE group_id = ? AND epoch = ?",
                        commit.epoch() + 1, commit.commit().bytes(), commit.nextEpochKey().toByteArray(),
                        commit.group().bytes(), commit.epoch());
                if (changed == 0 && commit.epoch() == 0) {
                    changed = update(connection, "INSERT INTO mls_groups (group_id, epoch, commit_id, commit_key) VALUES (?, ?, ?, ?) "
                                    + "ON CONFLICT (group_id) DO NOTHING",
                            commit.group().bytes(), 1L, commit.commit().bytes(), commit.nextEpochKey().toByteArray());
                }
                if (changed == 1) {
                    return null;
                }
                GroupState now = state(connection, commit.group(), "").orElseThrow(() -> new UnknownGroupException(commit.group()));
                return new StaleEpochException(now);
            }
        };
    }
}
