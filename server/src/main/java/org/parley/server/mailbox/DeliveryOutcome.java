package org.parley.server.mailbox;

import java.util.List;

/** What became of one {@link Delivery} in a batch. */
public sealed interface DeliveryOutcome {

    /** All envelopes are stored durably, in the order of the delivery. */
    record Stored(List<Envelope> envelopes) implements DeliveryOutcome {
        public Stored {
            envelopes = List.copyOf(envelopes);
        }
    }

    /** Nothing of the delivery was stored, for the given reason. */
    record Rejected(MailboxException reason) implements DeliveryOutcome {
    }
}
