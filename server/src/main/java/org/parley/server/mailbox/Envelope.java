package org.parley.server.mailbox;

import java.time.Instant;

import com.google.protobuf.ByteString;

import org.parley.server.accounts.DeviceId;

/**
 * An opaque message waiting in a device's mailbox. It names no sender: the server does not keep one.
 *
 * @param id the copy's sequence number in its recipient's mailbox (Deliver.envelope_id): a later
 *     arrival in the same mailbox has a larger one, and it is never reused there (the client
 *     deduplicates and acknowledges by it); it says nothing about other mailboxes
 * @param payload what the server stores: the sent payload sealed to the recipient's mailbox key
 *     ({@link org.parley.protocol.MailboxSeal}); immutable, so it goes from the store to the
 *     Deliver frame without a copy
 * @param arrivalHour the hour in which the server stored it, rounded down: it keeps no finer time
 */
public record Envelope(long id, DeviceId recipient, ByteString payload, Instant arrivalHour) {
    @Override
    public String toString() {
        return "Envelope[id=" + id + ", recipient=" + recipient + ", " + payload.size() + " bytes, arrival hour=" + arrivalHour + "]";
    }
}
