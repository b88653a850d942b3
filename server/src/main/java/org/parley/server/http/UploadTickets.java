package org.parley.server.http;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-use attachment upload tickets, issued over the authenticated WebSocket and presented on
 * the HTTP upload. Kept in memory on the issuing node only and never tied to an account on disk:
 * the blob's uploader is not recorded anywhere.
 */
public final class UploadTickets {
    public static final Duration VALIDITY = Duration.ofMinutes(5);
    private static final int TICKET_BYTES = 16;

    private final ConcurrentHashMap<String, Instant> tickets = new ConcurrentHashMap<>();
    private final SecureRandom random;
    private final Clock clock;

    public UploadTickets(SecureRandom random, Clock clock) {
        this.random = random;
        this.clock = clock;
    }

    public record Ticket(String value, Instant expires) {
        @Override
        public String toString() {
            return "Ticket[(hidden), expires=" + expires + "]";
        }
    }

    public Ticket issue() {
        byte[] bytes = new byte[TICKET_BYTES];
        random.nextBytes(bytes);
        Ticket ticket = new Ticket(HexFormat.of().formatHex(bytes), clock.instant().plus(VALIDITY));
        tickets.put(ticket.value(), ticket.expires());
        return ticket;
    }

    /** Uses up a ticket; false if it is unknown, used or expired. */
    public boolean redeem(String ticket) {
        Instant expires = ticket == null ? null : tickets.remove(ticket);
        return expires != null && clock.instant().isBefore(expires);
    }

    public void evictExpired() {
        Instant now = clock.instant();
        tickets.values().removeIf(expires -> !now.isBefore(expires));
    }
}
