package org.parley.server.mailbox;

import org.parley.server.accounts.DeviceId;

/**
 * An envelope to store for one recipient device.
 *
 * @param sender the sending device, or null for sealed sender
 * @param payload at most {@link MailboxStore#MAX_PAYLOAD_BYTES}; not copied, so the caller must
 *     not modify it afterwards
 */
public record NewEnvelope(DeviceId recipient, DeviceId sender, byte[] payload) {
    public NewEnvelope {
        if (recipient == null || payload == null) {
            throw new IllegalArgumentException("an envelope needs a recipient and a payload");
        }
        if (payload.length > MailboxStore.MAX_PAYLOAD_BYTES) {
            throw new EnvelopeTooLargeException(payload.length);
        }
    }

    @Override
    public String toString() {
        return "NewEnvelope[recipient=" + recipient + ", sender=" + (sender == null ? "sealed" : sender)
                + ", " + payload.length + " bytes]";
    }
}
