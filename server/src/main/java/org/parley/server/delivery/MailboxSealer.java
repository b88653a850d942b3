package org.parley.server.delivery;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import org.parley.protocol.MailboxSeal;
import org.parley.server.accounts.AccountStore;
import org.parley.server.accounts.DeviceId;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;

/**
 * Seals every copy of a send to its recipient device's mailbox key (HPKE, RFC 9180, through
 * {@link MailboxSeal}) before it is stored, so that the database holds nothing the server can read
 * back, and the copies of one group message share no bytes: a dump does not show who received the
 * same message. Runs on the request thread that queues the send, never on the one mailbox writer
 * thread that every send waits for, and may read the store on a cache miss, so never on an event loop.
 *
 * <p>A device without a mailbox key (registered before the server asked for one, and not signed in
 * with one since) gets the payload as sent: it could not open a sealed copy. A recipient the server
 * does not know gets an empty placeholder, which the store skips and reports as unknown.
 */
public final class MailboxSealer {
    private final AccountStore accounts;

    public MailboxSealer(AccountStore accounts) {
        this.accounts = accounts;
    }

    /** The delivery with each copy sealed to its recipient; the precondition is kept as it is. */
    public Delivery seal(Delivery delivery) {
        Set<DeviceId> recipients = new LinkedHashSet<>();
        delivery.envelopes().forEach(envelope -> recipients.add(envelope.recipient()));
        Map<DeviceId, byte[]> keys = accounts.mailboxKeys(recipients);
        List<NewEnvelope> sealed = new ArrayList<>(delivery.envelopes().size());
        for (NewEnvelope envelope : delivery.envelopes()) {
            sealed.add(new NewEnvelope(envelope.recipient(), copyFor(keys, envelope)));
        }
        return new Delivery(sealed, delivery.precondition());
    }

    private static ByteString copyFor(Map<DeviceId, byte[]> keys, NewEnvelope envelope) {
        if (!keys.containsKey(envelope.recipient())) {
            return ByteString.EMPTY;
        }
        byte[] key = keys.get(envelope.recipient());
        if (key == null) {
            return envelope.payload();
        }
        return UnsafeByteOperations.unsafeWrap(MailboxSeal.seal(key, envelope.payload().toByteArray()));
    }
}
