package org.parley.server.http;

import org.junit.jupiter.api.Test;
import org.parley.server.accounts.AccountId;
import org.parley.server.testing.MutableClock;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class UploadTicketsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final UploadTickets tickets = new UploadTickets(new SecureRandom(), clock, 2, Duration.ofMinutes(15));
    private final AccountId alice = AccountId.of(new byte[16]);
    private final AccountId bob = AccountId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});

    @Test
    void anAccountHoldsAFewSlotsAndLearnsWhenTheNextFrees() {
        String first = tickets.issue(alice).ticket().orElseThrow().value();
        clock.advance(Duration.ofMinutes(1));
        tickets.issue(alice);
        UploadTickets.Issued refused = tickets.issue(alice);
        assertThat(refused.ticket()).isEmpty();
        assertThat(refused.retryAfter()).as("the first ticket expires in 4 minutes").isEqualTo(Duration.ofMinutes(4));
        assertThat(tickets.issue(bob).ticket()).as("slots are per account").isPresent();

        UploadTickets.Slot slot = tickets.redeem(first).orElseThrow();
        assertThat(slot.account()).isEqualTo(alice);
        assertThat(tickets.redeem(first)).as("single use").isEmpty();
        // While its upload runs, a redeemed ticket still holds its slot, up to the upload timeout.
        clock.advance(Duration.ofMinutes(5));
        assertThat(tickets.issue(alice).ticket()).as("the unused second ticket expired").isPresent();
        assertThat(tickets.issue(alice).ticket()).isEmpty();
        tickets.release(slot);
        assertThat(tickets.issue(alice).ticket()).isPresent();
    }

    @Test
    void expiredAndForgedTicketsAreRefusedAndForgotten() {
        String ticket = tickets.issue(alice).ticket().orElseThrow().value();
        assertThat(tickets.redeem(null)).isEmpty();
        assertThat(tickets.redeem("")).isEmpty();
        assertThat(tickets.redeem(ticket.toUpperCase())).isEmpty();
        assertThat(tickets.redeem(ticket + "0")).isEmpty();
        clock.advance(UploadTickets.VALIDITY);
        assertThat(tickets.redeem(ticket)).as("expired").isEmpty();

        String stalled = tickets.issue(bob).ticket().orElseThrow().value();
        tickets.redeem(stalled).orElseThrow();
        clock.advance(Duration.ofMinutes(15));
        tickets.evictExpired();
        assertThat(tickets.issue(bob).ticket()).as("an upload past its timeout holds nothing").isPresent();
        assertThat(tickets.issue(bob).ticket()).isPresent();
    }

    @Test
    void aTicketHidesItsValue() {
        UploadTickets.Ticket ticket = tickets.issue(alice).ticket().orElseThrow();
        assertThat(ticket.toString()).doesNotContain(ticket.value());
        assertThat(tickets.redeem(ticket.value()).orElseThrow().toString()).doesNotContain(alice.toString());
    }
}
