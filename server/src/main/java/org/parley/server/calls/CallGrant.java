package org.parley.server.calls;

import java.time.Instant;

/** What a verified call token admits: one participant of one call, until {@code expiresAt}. */
public record CallGrant(CallId callId, long participantId, Instant expiresAt) {
    public CallGrant {
        if (participantId < 0 || participantId > 0xffffffffL) {
            throw new IllegalArgumentException("participant id must be an unsigned 32-bit value, was " + participantId);
        }
    }
}
