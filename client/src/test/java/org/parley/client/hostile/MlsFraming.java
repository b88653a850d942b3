package org.parley.client.hostile;

import org.parley.client.ParleyClient;
import org.parley.client.account.DeviceIdentity;
import com.google.protobuf.ByteString;
import org.parley.client.conversations.PayloadWrap;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.v1.Deliver;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * What a test's hostile server reads in a copy it delivers to one device. An MLSMessage's header
 * is in the clear (RFC 9420 section 6: version, wire_format; for a PrivateMessage group_id, epoch
 * and content_type, section 6.3), but clients wrap it ({@link PayloadWrap}) and the server seals
 * each copy to its device's mailbox key. A real operator still knows which stored copies came from
 * a commit (it stored them from a SubmitCommit); to pick exactly the messages a test means, this
 * one is given more: the recipient's mailbox key and the group's id, which no operator holds.
 */
final class MlsFraming {
    private static final int WIRE_FORMAT_PRIVATE_MESSAGE = 2;
    static final int CONTENT_TYPE_APPLICATION = 1;
    static final int CONTENT_TYPE_COMMIT = 3;

    private final DeviceIdentity recipient;
    private final List<PayloadWrap.GroupKey> groups;

    /** Reads what {@code recipient} is delivered in the groups {@code groupIds}. */
    MlsFraming(ParleyClient recipient, byte[]... groupIds) {
        this.recipient = recipient.identity();
        this.groups = Arrays.stream(groupIds).map(PayloadWrap.GroupKey::of).toList();
    }

    /** The content_type of a delivered PrivateMessage of one of the groups, or -1 for anything else. */
    int privateContentType(Deliver deliver) {
        byte[] message;
        try {
            PayloadWrap.Unwrapped unwrapped = PayloadWrap.unwrap(recipient.openMailboxCopy(deliver.getPayload().toByteArray()), groups);
            if (!(unwrapped instanceof PayloadWrap.Unwrapped.GroupMessage group)) {
                return -1;
            }
            message = group.mlsMessage();
        } catch (PayloadWrap.UnwrapException | IllegalArgumentException e) {
            return -1;
        }
        return privateContentType(message);
    }

    /**
     * {@code deliver}, a PrivateMessage of the first group, with one bit of its content ciphertext
     * flipped (the last field of a PrivateMessage, RFC 9420 section 6.3): the same sender data,
     * so the same sender and generation, under another ciphertext. Wrapped and sealed again, as
     * anyone may seal to a device's public mailbox key.
     */
    Deliver withContentChanged(Deliver deliver, long envelopeId) throws PayloadWrap.UnwrapException {
        PayloadWrap.Unwrapped unwrapped = PayloadWrap.unwrap(recipient.openMailboxCopy(deliver.getPayload().toByteArray()), groups);
        byte[] message = ((PayloadWrap.Unwrapped.GroupMessage) unwrapped).mlsMessage().clone();
        message[message.length - 1] ^= 1;
        byte[] wrapped = PayloadWrap.wrapGroupMessage(groups.get(0), message, new SecureRandom());
        return deliver.toBuilder().setEnvelopeId(envelopeId)
                .setPayload(ByteString.copyFrom(MailboxSeal.seal(recipient.mailboxPublicKey(), wrapped))).build();
    }

    boolean isCommit(Deliver deliver) {
        return privateContentType(deliver) == CONTENT_TYPE_COMMIT;
    }

    private static int privateContentType(byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        if (payload.length < 4) {
            return -1;
        }
        in.getShort(); // version
        if (in.getShort() != WIRE_FORMAT_PRIVATE_MESSAGE) {
            return -1;
        }
        int first = in.get() & 0xff;
        int prefix = first >> 6;
        long length = first & 0x3f;
        for (int i = 1; i < (1 << prefix); i++) {
            length = (length << 8) | (in.get() & 0xff);
        }
        in.position(in.position() + (int) length + Long.BYTES);
        return in.get() & 0xff;
    }
}
