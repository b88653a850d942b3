package org.parley.server.mailbox;

import com.google.protobuf.ByteString;
import org.parley.server.accounts.DeviceId;

/**
 * An envelope to store for one recipient device. It has no sender: the server stores none.
 *
 * @param payload at most {@link MailboxStore#MAX_PAYLOAD_BYTES}; immutable. Before the store sees
 *     it, {@link org.parley.server.delivery.MailboxSealer} replaces the sent payload with the copy
 *     sealed to the recipient device's mailbox key.
 */
public record NewEnvelope(DeviceId recipient, ByteString payload) {
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
        return "NewEnvelope[recipient=" + recipient + ", " + payload.size() + " bytes]";
    }
}
