package org.parley.server.mailbox;

import java.util.List;

/**
 * One client send: the envelopes for all its recipient devices. A delivery is stored entirely
 * or not at all.
 */
public record Delivery(List<NewEnvelope> envelopes) {
    public Delivery {
        envelopes = List.copyOf(envelopes);
        if (envelopes.isEmpty()) {
            throw new IllegalArgumentException("a delivery needs at least one recipient");
        }
    }
}
