package org.parley.server.http;

import org.parley.server.accounts.AccountId;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Single-use attachment upload tickets, issued over the authenticated WebSocket and presented on
 * the HTTP upload. An account holds a slot from the ticket's issue until its upload ends, or until
 * the ticket expires unused; at most a configured number at a time. {@link UploadTickets} keeps
 * them in memory (one node); {@link JdbcUploadTickets} in PostgreSQL, so that a ticket issued on
 * one node is accepted by any other.
 */
public interface UploadTicketStore {
    Duration VALIDITY = Duration.ofMinutes(5);

    record Ticket(String value, Instant expires) {
        @Override
        public String toString() {
            return "Ticket[(hidden), expires=" + expires + "]";
        }
    }

    /** An account's claim on one upload, from a redeemed ticket until it is released. */
    interface Slot {
        AccountId account();
    }

    /** Either a ticket, or how long until the account's next slot frees. */
    record Issued(Optional<Ticket> ticket, Duration retryAfter) {
    }

    Issued issue(AccountId account);

    /**
     * Uses up a ticket: its slot now lasts until the upload ends ({@link #release}) or its timeout.
     * Empty if the ticket is unknown, used or expired.
     */
    Optional<Slot> redeem(String ticket);

    /** The upload of a redeemed ticket ended: the account may take another. */
    void release(Slot slot);

    /** Forgets expired tickets and slots. */
    void evictExpired();
}
