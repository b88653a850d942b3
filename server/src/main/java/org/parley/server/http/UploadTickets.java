package org.parley.server.http;

import org.parley.server.accounts.AccountId;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link UploadTicketStore} of a single node: kept in memory only and never tied to an account on disk:
 * the blob's uploader is not recorded anywhere. In memory a ticket knows its account until its
 * upload ends, to hold the account to its number of open tickets and its daily quota.
 *
 * <p>An account holds a slot from the ticket's issue until its upload ends, or until the ticket
 * expires unused; at most {@code openPerAccount} slots at a time.
 */
public final class UploadTickets implements UploadTicketStore {
    private static final int TICKET_BYTES = 16;

    private final Map<String, MemorySlot> unused = new HashMap<>();
    private final Map<AccountId, List<MemorySlot>> open = new HashMap<>();
    private final SecureRandom random;
    private final Clock clock;
    private final int openPerAccount;
    private final Duration uploadTimeout;

    public UploadTickets(SecureRandom random, Clock clock, int openPerAccount, Duration uploadTimeout) {
        this.random = random;
        this.clock = clock;
        this.openPerAccount = openPerAccount;
        this.uploadTimeout = uploadTimeout;
    }

    /** An account's claim on one upload: until {@code freeAt} at the latest, or until released. */
    private static final class MemorySlot implements Slot {
        private final AccountId account;
        private Instant freeAt;

        private MemorySlot(AccountId account, Instant freeAt) {
            this.account = account;
            this.freeAt = freeAt;
        }

        @Override
        public AccountId account() {
            return account;
        }

        @Override
        public String toString() {
            return "Slot[(hidden)]";
        }
    }

    @Override
    public synchronized Issued issue(AccountId account) {
        Instant now = clock.instant();
        List<MemorySlot> slots = open.computeIfAbsent(account, a -> new ArrayList<>());
        slots.removeIf(slot -> !now.isBefore(slot.freeAt));
        if (slots.size() >= openPerAccount) {
            Instant first = slots.stream().map(slot -> slot.freeAt).min(Instant::compareTo).orElseThrow();
            return new Issued(Optional.empty(), Duration.between(now, first));
        }
        byte[] bytes = new byte[TICKET_BYTES];
        random.nextBytes(bytes);
        Ticket ticket = new Ticket(HexFormat.of().formatHex(bytes), now.plus(VALIDITY));
        MemorySlot slot = new MemorySlot(account, ticket.expires());
        slots.add(slot);
        unused.put(ticket.value(), slot);
        return new Issued(Optional.of(ticket), Duration.ZERO);
    }

    @Override
    public synchronized Optional<Slot> redeem(String ticket) {
        MemorySlot slot = ticket == null ? null : unused.remove(ticket);
        Instant now = clock.instant();
        if (slot == null || !now.isBefore(slot.freeAt)) {
            return Optional.empty();
        }
        slot.freeAt = now.plus(uploadTimeout);
        return Optional.of(slot);
    }

    @Override
    public synchronized void release(Slot released) {
        MemorySlot slot = (MemorySlot) released;
        List<MemorySlot> slots = open.get(slot.account);
        if (slots != null) {
            slots.remove(slot);
            if (slots.isEmpty()) {
                open.remove(slot.account);
            }
        }
    }

    /** Forgets expired tickets and slots, and accounts without any. */
    @Override
    public synchronized void evictExpired() {
        Instant now = clock.instant();
        unused.values().removeIf(slot -> !now.isBefore(slot.freeAt));
        open.values().forEach(slots -> slots.removeIf(slot -> !now.isBefore(slot.freeAt)));
        open.values().removeIf(List::isEmpty);
    }
}
