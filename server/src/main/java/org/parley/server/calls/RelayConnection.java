package org.parley.server.calls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The relay over a stream transport, for one connection: the WebSocket fallback when UDP is
 * blocked. The connection feeds it the payloads of its binary frames, which are the same
 * {@link RelayDatagram}s as over UDP, and gives it a {@link MediaSink} that writes binary frames
 * back. A connection carries at most one participant; joining again with another token moves
 * it. Call {@link #close} when the connection ends. Not thread-safe: call it from the
 * connection's I/O thread.
 */
public final class RelayConnection {
    private final Relay relay;
    private final MediaSink sink;
    private final ByteBufAllocator allocator;
    private RelayParticipant participant;

    public RelayConnection(Relay relay, MediaSink sink, ByteBufAllocator allocator) {
        this.relay = relay;
        this.sink = sink;
        this.allocator = allocator;
    }

    /**
     * Handles one relay datagram received on the connection; does not take ownership of it.
     * Bad input is dropped and counted like over UDP, never thrown: the connection stays up.
     */
    public void receive(ByteBuf datagram) {
        RelayStats stats = relay.stats();
        int length = datagram.readableBytes();
        if (!stats.receivedWithin(length, relay.limits().maxDatagramBytes())) {
            return;
        }
        byte type = length > 0 ? datagram.getByte(datagram.readerIndex()) : 0;
        RelayParticipant current = participant != null && participant.isActive() ? participant : null;
        switch (type) {
            case RelayDatagram.JOIN -> {
                if (current == null || relay.spend(current)) {
                    join(datagram);
                }
            }
            case RelayDatagram.MEDIA -> {
                if (current == null) {
                    stats.unknownSource.increment();
                } else {
                    relay.forward(current, datagram);
                }
            }
            case RelayDatagram.PING -> {
                if (current == null) {
                    stats.unknownSource.increment();
                } else if (relay.spend(current)) {
                    ByteBuf pong = RelayDatagram.pong(allocator, datagram);
                    if (pong == null) {
                        stats.junk.increment();
                    } else {
                        stats.pongs.increment();
                        sink.send(pong);
                    }
                }
            }
            case RelayDatagram.LEAVE -> close();
            default -> stats.junk.increment();
        }
    }

    private void join(ByteBuf datagram) {
        byte[] token = RelayDatagram.token(datagram);
        if (token == null) {
            relay.stats().tokenMalformed.increment();
            return;
        }
        try {
            participant = relay.join(token, sink);
        } catch (InvalidCallTokenException | RelayFullException e) {
            return; // counted by the relay
        }
        sink.send(RelayDatagram.joined(allocator, participant.participantId()));
    }

    /** The participant on this connection, or null before a successful JOIN or after leaving. */
    public RelayParticipant participant() {
        return participant != null && participant.isActive() ? participant : null;
    }

    /** Leaves the call, if in one: on LEAVE and when the connection closes. */
    public void close() {
        if (participant != null) {
            relay.leave(participant);
            participant = null;
        }
    }
}
