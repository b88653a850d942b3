package org.parley.server.http;

import org.parley.server.accounts.AccountId;
import org.parley.server.storage.Database;
import org.parley.server.storage.Secrets;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import static org.parley.server.storage.Sql.update;

/**
 * {@link UploadTicketStore} in PostgreSQL (table {@code upload_tickets}), for nodes that share the
 * database: a ticket issued on one node is redeemed on whichever node the upload reaches, and an
 * account's open tickets are counted across all of them. A row holds the SHA-256 of the ticket
 * (never the ticket), the account that holds the slot and when the slot frees; it is deleted when
 * its upload ends, or by {@link #evictExpired()} once it expired. Issuing locks the account's
 * tickets for the transaction (an advisory lock), so two nodes cannot both hand out the last slot.
 */
public final class JdbcUploadTickets implements UploadTicketStore {
    private static final int TICKET_BYTES = 16;
    /** First key of this store's advisory locks, apart from other users of two-key advisory locks. */
    private static final int LOCK_CLASS = 0x7469636b;

    private final Database database;
    private final SecureRandom random;
    private final Clock clock;
    private final int openPerAccount;
    private final Duration uploadTimeout;

    public JdbcUploadTickets(Database database, SecureRandom random, Clock clock, int openPerAccount, Duration uploadTimeout) {
        this.database = database;
        this.random = random;
        this.clock = clock;
        this.openPerAccount = openPerAccount;
        this.uploadTimeout = uploadTimeout;
    }

    private record StoredSlot(byte[] ticketHash, AccountId account) implements Slot {
        @Override
        public String toString() {
            return "Slot[(hidden)]";
        }
    }

    @Override
    public Issued issue(AccountId account) {
        Instant now = clock.instant();
        byte[] bytes = new byte[TICKET_BYTES];
        random.nextBytes(bytes);
        Ticket ticket = new Ticket(HexFormat.of().formatHex(bytes), now.plus(VALIDITY));
        return database.write(connection -> {
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                lock.setInt(1, LOCK_CLASS);
                lock.setInt(2, Arrays.hashCode(account.bytes()));
                lock.execute();
            }
            try (PreparedStatement open = connection.prepareStatement(
                    "SELECT COUNT(*), MIN(free_at_ms) FROM upload_tickets WHERE account_id = ? AND free_at_ms > ?")) {
                open.setBytes(1, account.bytes());
                open.setLong(2, now.toEpochMilli());
                try (ResultSet row = open.executeQuery()) {
                    row.next();
                    if (row.getInt(1) >= openPerAccount) {
                        return new Issued(Optional.empty(), Duration.ofMillis(row.getLong(2) - now.toEpochMilli()));
                    }
                }
            }
            update(connection, "INSERT INTO upload_tickets (ticket_hash, account_id, free_at_ms, redeemed) VALUES (?, ?, ?, FALSE)",
                    Secrets.hash(bytes), account.bytes(), ticket.expires().toEpochMilli());
            return new Issued(Optional.of(ticket), Duration.ZERO);
        });
    }

    @Override
    public Optional<Slot> redeem(String ticket) {
        byte[] bytes = parse(ticket);
        if (bytes == null) {
            return Optional.empty();
        }
        byte[] hash = Secrets.hash(bytes);
        long now = clock.millis();
        return database.write(connection -> {
            try (PreparedStatement redeem = connection.prepareStatement("UPDATE upload_tickets SET redeemed = TRUE, free_at_ms = ? "
                    + "WHERE ticket_hash = ? AND NOT redeemed AND free_at_ms > ? RETURNING account_id")) {
                redeem.setLong(1, now + uploadTimeout.toMillis());
                redeem.setBytes(2, hash);
                redeem.setLong(3, now);
                try (ResultSet row = redeem.executeQuery()) {
                    return row.next() ? Optional.<Slot>of(new StoredSlot(hash, AccountId.of(row.getBytes(1)))) : Optional.<Slot>empty();
                }
            }
        });
    }

    /** The ticket's bytes, or null when it is not a ticket's hex form (so it cannot be one). */
    private static byte[] parse(String ticket) {
        if (ticket == null || ticket.length() != 2 * TICKET_BYTES) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(ticket);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public void release(Slot slot) {
        byte[] hash = ((StoredSlot) slot).ticketHash();
        database.writeWithoutSync(connection -> update(connection, "DELETE FROM upload_tickets WHERE ticket_hash = ?", hash));
    }

    @Override
    public void evictExpired() {
        long now = clock.millis();
        database.writeWithoutSync(connection -> update(connection, "DELETE FROM upload_tickets WHERE free_at_ms <= ?", now));
    }
}
