package org.parley.server.mailbox;

import com.google.protobuf.ByteString;
import org.parley.server.accounts.DeviceId;

/**
 * An envelope to store for one recipient device.
 *
 * @param sender the sending device, or null for sealed sender
 * @param payload at most {@link MailboxStore#MAX_PAYLOAD_BYTES}; immutable, so one payload is
 *     shared by the envelopes of every recipient of a send
 */
public record NewEnvelope(DeviceId recipient, DeviceId sender, ByteString payload) {
    public NewEnvelope {
        if (recipient == null || payload == null) {
            throw new IllegalArgumentException("an envelope needs a recipient and a payload");
        }
        if (payload.size() > MailboxStore.MAX_PAYLOAD_BYTES) {
            throw new EnvelopeTooLargeException(payload.size());
        }
    }

    @Override
    public String toString() {
        return "NewEnvelope[recipient=" + recipient + ", sender=" + (sender == null ? "sealed" : sender)
                + ", " + payload.size() + " bytes]";
    }
}
