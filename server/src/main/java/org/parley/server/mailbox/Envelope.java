package org.parley.server.mailbox;

import java.time.Instant;

import com.google.protobuf.ByteString;

import org.parley.server.accounts.DeviceId;

/**
 * An opaque message waiting in a device's mailbox.
 *
 * @param id server-assigned, unique on this server and never reused; a later arrival in the
 *     same mailbox has a larger id (the client deduplicates by it)
 * @param sender the sending device, or null for a sealed-sender message
 * @param payload ciphertext the server cannot read; immutable, so it goes from the send to the
 *     store and to the Deliver frame without a copy
 * @param arrival when the server stored it (millisecond precision)
 */
public record Envelope(long id, DeviceId recipient, DeviceId sender, ByteString payload, Instant arrival) {
    @Override
    public String toString() {
        return "Envelope[id=" + id + ", recipient=" + recipient + ", sender=" + (sender == null ? "sealed" : sender)
                + ", " + payload.size() + " bytes, arrival=" + arrival + "]";
    }
}
