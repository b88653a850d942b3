package org.parley.server.tokens;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Optional;

import org.parley.protocol.tokens.BlindRsa;
import org.parley.server.accounts.AccountId;
import org.parley.server.mailbox.Precondition;
import org.parley.server.storage.Database;
import org.parley.server.storage.StoreRejectedException;

import static org.parley.server.storage.Sql.queryLong;
import static org.parley.server.storage.Sql.update;

/**
 * The send-token tables on SQLite or PostgreSQL (schema in {@code migrations/<dialect>/V6.sql}):
 * the day keys, the per-account issuance count of the current day, and the hashes of spent tokens.
 */
public final class JdbcTokenStore {
    private final Database database;

    public JdbcTokenStore(Database database) {
        this.database = database;
    }

    /** The stored key of {@code day}, if one was made. */
    public Optional<DayKey> key(long day) {
        return database.read(connection -> key(connection, day));
    }

    /**
     * Stores {@code candidate} as the key of its day unless another node (or an earlier call) stored
     * one first, and returns the key the day has now: every node signs a day's tokens with one key.
     */
    public DayKey keepFirst(DayKey candidate) {
        return database.write(connection -> {
            update(connection, "INSERT INTO send_token_keys (day, public_key, private_key) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING",
                    candidate.day(), candidate.encodedPublicKey(), candidate.privateKey().getEncoded());
            return key(connection, candidate.day()).orElseThrow();
        });
    }

    private static Optional<DayKey> key(Connection connection, long day) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT public_key, private_key FROM send_token_keys WHERE day = ?")) {
            select.setLong(1, day);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                byte[] publicKey = row.getBytes(1);
                return Optional.of(new DayKey(day, BlindRsa.publicKey(publicKey), BlindRsa.privateKey(row.getBytes(2)), publicKey));
            }
        }
    }

    /**
     * Counts up to {@code wanted} tokens against the account's allowance of {@code perDay} for
     * {@code day}, atomically (the row is locked on PostgreSQL, and SQLite has one writer).
     *
     * @return how many were granted ({@code wanted}, fewer when less is left, 0 when none is) and
     *     how many the account has been issued on {@code day} with them
     */
    public Reservation reserve(AccountId account, long day, int wanted, int perDay) {
        return database.write(connection -> {
            update(connection, "INSERT INTO send_token_quota (account_id, day, issued) VALUES (?, ?, 0) ON CONFLICT (account_id) DO NOTHING",
                    account.bytes(), day);
            long countedDay;
            long issued;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT day, issued FROM send_token_quota WHERE account_id = ?" + database.dialect().forUpdate())) {
                select.setBytes(1, account.bytes());
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    countedDay = row.getLong(1);
                    issued = row.getLong(2);
                }
            }
            long issuedToday = countedDay == day ? issued : 0;
            int granted = (int) Math.max(0, Math.min(wanted, perDay - issuedToday));
            if (granted > 0 || countedDay != day) {
                update(connection, "UPDATE send_token_quota SET day = ?, issued = ? WHERE account_id = ?",
                        day, issuedToday + granted, account.bytes());
            }
            return new Reservation(granted, issuedToday + granted);
        });
    }

    /** The tokens one request may have signed, and the account's count for the day including them. */
    public record Reservation(int granted, long issuedToday) {
    }

    /** Tokens the account was issued on {@code day}. */
    public long issued(AccountId account, long day) {
        return database.read(connection -> queryLong(connection,
                "SELECT issued FROM send_token_quota WHERE account_id = ? AND day = ?", account.bytes(), day));
    }

    /**
     * Marks the token spent in the transaction that stores its send, together with {@code alongWith}
     * (a commit's epoch change) or alone when that is null. A token spent before, in an earlier
     * transaction, earlier in the same batch or by a concurrent node, refuses the whole delivery.
     */
    public Precondition spend(VerifiedToken token, Precondition alongWith) {
        return new Precondition() {
            @Override
            public StoreRejectedException check(Connection connection) throws SQLException {
                if (queryLong(connection, "SELECT COUNT(*) FROM spent_send_tokens WHERE token_hash = ?", token.hash()) > 0) {
                    return new SpentTokenException();
                }
                return alongWith == null ? null : alongWith.check(connection);
            }

            @Override
            public StoreRejectedException apply(Connection connection) throws SQLException {
                // The token and the other write stand or fall together; the rest of the batch goes on either way.
                Savepoint before = connection.setSavepoint();
                // Of two transactions inserting the same hash, PostgreSQL makes the second wait for the first and then insert nothing.
                StoreRejectedException refused = update(connection,
                        "INSERT INTO spent_send_tokens (token_hash, day) VALUES (?, ?) ON CONFLICT (token_hash) DO NOTHING",
                        token.hash(), token.day()) == 0 ? new SpentTokenException() : null;
                if (refused == null && alongWith != null) {
                    refused = alongWith.apply(connection);
                }
                if (refused != null) {
                    connection.rollback(before);
                } else {
                    connection.releaseSavepoint(before);
                }
                return refused;
            }

            @Override
            public boolean mayBeShownBeforeCommit() {
                return alongWith == null || alongWith.mayBeShownBeforeCommit();
            }
        };
    }

    /**
     * Deletes the keys and spent tokens of days before {@code firstKeptDay}, and issuance counts of
     * days before {@code today}.
     *
     * @return the number of rows deleted
     */
    public int deleteOld(long firstKeptDay, long today) {
        return database.write(connection ->
                update(connection, "DELETE FROM send_token_keys WHERE day < ?", firstKeptDay)
                        + update(connection, "DELETE FROM spent_send_tokens WHERE day < ?", firstKeptDay)
                        + update(connection, "DELETE FROM send_token_quota WHERE day < ?", today));
    }
}
