package org.parley.server.mailbox;

import java.util.List;

/**
 * One client send: the envelopes for all its recipient devices, stored entirely or not at all.
 * A delivery with a {@link Precondition} (a commit's fan-out) is stored only together with that
 * write, and may have no envelope: a member alone in its group still commits.
 *
 * @param precondition null for a plain send
 */
public record Delivery(List<NewEnvelope> envelopes, Precondition precondition) {
    public Delivery {
        envelopes = List.copyOf(envelopes);
        if (envelopes.isEmpty() && precondition == null) {
            throw new IllegalArgumentException("a delivery needs at least one recipient");
        }
    }

    public Delivery(List<NewEnvelope> envelopes) {
        this(envelopes, null);
    }
}
