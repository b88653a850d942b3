package org.parley.server.groups;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import org.parley.server.storage.Database;

import static org.parley.server.storage.Sql.update;

/**
 * {@link GroupStore} on SQLite or PostgreSQL. The compare-and-set is a single conditional
 * UPDATE ({@code ... WHERE epoch = ?}): the database applies it to the row atomically, and on
 * PostgreSQL a concurrent loser re-checks the condition after the winner commits, so exactly one
 * of them changes the row.
 */
public final class JdbcGroupStore implements GroupStore {
    private final Database database;

    public JdbcGroupStore(Database database) {
        this.database = database;
    }

    @Override
    public boolean create(GroupId group, long epoch) {
        checkEpoch(epoch);
        return database.write(connection -> update(connection,
                "INSERT INTO mls_groups (group_id, epoch, commit_id) VALUES (?, ?, NULL) ON CONFLICT (group_id) DO NOTHING",
                group.bytes(), epoch) == 1);
    }

    @Override
    public Optional<GroupState> state(GroupId group) {
        return database.read(connection -> state(connection, group));
    }

    private static Optional<GroupState> state(Connection connection, GroupId group) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT epoch, commit_id FROM mls_groups WHERE group_id = ?")) {
            select.setBytes(1, group.bytes());
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                byte[] commit = row.getBytes(2);
                return Optional.of(new GroupState(group, row.getLong(1), commit == null ? null : CommitId.of(commit)));
            }
        }
    }

    @Override
    public CommitOutcome commit(GroupId group, long epoch, CommitId commit) {
        checkEpoch(epoch);
        if (epoch == Long.MAX_VALUE) {
            throw new IllegalArgumentException("epoch " + epoch + " cannot advance");
        }
        return database.write(connection -> {
            if (update(connection, "UPDATE mls_groups SET epoch = ?, commit_id = ? WHERE group_id = ? AND epoch = ?",
                    epoch + 1, commit.bytes(), group.bytes(), epoch) == 1) {
                return new CommitOutcome.Accepted(epoch + 1);
            }
            GroupState current = state(connection, group).orElseThrow(() -> new UnknownGroupException(group));
            return new CommitOutcome.Rejected(current);
        });
    }

    private static void checkEpoch(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("an epoch is never negative, got " + epoch);
        }
    }
}
