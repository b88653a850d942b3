package org.parley.server.mailbox;

import java.util.List;

import org.parley.server.accounts.DeviceId;
import org.parley.server.storage.StoreRejectedException;

/** What became of one {@link Delivery} in a batch. */
public sealed interface DeliveryOutcome {

    /**
     * All envelopes for existing devices are stored durably, in the order of the delivery, and
     * the delivery's precondition (if any) was written with them. Recipients that do not exist (any
     * more: unlinked, or never) were skipped and are named in {@code unknownRecipients}.
     */
    record Stored(List<Envelope> envelopes, List<DeviceId> unknownRecipients) implements DeliveryOutcome {
        public Stored {
            envelopes = List.copyOf(envelopes);
            unknownRecipients = List.copyOf(unknownRecipients);
        }
    }

    /**
     * Nothing of the delivery was stored, for the given reason: a full mailbox
     * ({@link MailboxFullException}) or a refused {@link Precondition}.
     */
    record Rejected(StoreRejectedException reason) implements DeliveryOutcome {
    }
}
