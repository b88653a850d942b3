package org.parley.server.calls;

/**
 * One admitted participant of one call, as the relay holds it: its ids, where its media goes,
 * and its send budget. Obtained from {@link Relay#join}; pass it back to forward and leave.
 */
public final class RelayParticipant {
    private final CallId callId;
    private final long participantId;
    final TokenBucket budget;
    volatile MediaSink sink;
    volatile long lastSeenNanos;
    volatile boolean removed;
    /** On the relay's nano clock: when the token that admitted it expires; it must join with a fresh one by then. */
    final long expiresNanos;

    RelayParticipant(CallId callId, long participantId, MediaSink sink, TokenBucket budget, long nowNanos, long expiresNanos) {
        this.callId = callId;
        this.expiresNanos = expiresNanos;
        this.participantId = participantId;
        this.sink = sink;
        this.budget = budget;
        this.lastSeenNanos = nowNanos;
    }

    public CallId callId() {
        return callId;
    }

    public long participantId() {
        return participantId;
    }

    /** False once the participant left, timed out, or was replaced by a newer join. */
    public boolean isActive() {
        return !removed;
    }

    @Override
    public String toString() {
        return "RelayParticipant[call=" + callId + ", participant=" + participantId + "]";
    }
}
