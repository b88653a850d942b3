package org.parley.server.calls;

import io.netty.buffer.ByteBuf;

/**
 * The relays of the other nodes of a deployment, as this node's {@link Relay} sees them. Every node
 * runs its own relay and admits the participants that reach it (over its WebSocket, its UDP port
 * or its WebTransport listener); the participants of one call may be spread over several nodes,
 * so each relay hands the media of its own participants to the peers, which deliver it to theirs,
 * and delivers what the peers send to its own ({@link Relay#deliverFromPeer}). The payloads stay
 * SFrame ciphertext: a peer learns nothing the relay that received them did not.
 *
 * <p>A single node has no peers ({@link #NONE}): nothing is handed on, and nothing costs more than
 * the local forward.
 */
public interface RelayPeers extends AutoCloseable {
    /** No other nodes (the in-process bus): media stays on this node. */
    RelayPeers NONE = new RelayPeers() {
        @Override
        public void callChanged(CallId call) {
        }

        @Override
        public void publish(CallId call, long participantId, ByteBuf datagram) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * The relay gained its first participant in {@code call}, or lost its last: the peers are to
     * send this node the call's media from now on, or no longer. The implementation reads the
     * relay's state ({@link Relay#hasCall}) rather than trusting the order of these calls, which
     * come from several threads.
     */
    void callChanged(CallId call);

    /**
     * Hands one MEDIA datagram of the local participant {@code participantId} to the nodes that
     * have participants in {@code call}. Must not block; does not take ownership of {@code datagram}.
     */
    void publish(CallId call, long participantId, ByteBuf datagram);

    @Override
    void close();
}
