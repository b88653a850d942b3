package org.parley.server.calls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The relay as one endpoint sees it: a WebSocket connection (the fallback when UDP is blocked),
 * or one UDP address of {@link UdpRelayServer}. The transport feeds it the
 * {@link RelayDatagram}s it receives (for a WebSocket, the payloads of its binary frames) and
 * gives it a {@link MediaSink} that sends back. An endpoint carries at most one participant;
 * joining again with another token moves it there. Call {@link #close} when the connection
 * ends. Not thread-safe: call {@link #receive} from the endpoint's I/O thread.
 */
public final class RelayConnection {
    private final Relay relay;
    private final MediaSink sink;
    private final ByteBufAllocator allocator;
    private volatile RelayParticipant participant;

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
        if (relay.stats().receivedWithin(datagram.readableBytes(), relay.limits().maxDatagramBytes())) {
            dispatch(datagram);
        }
    }

    /** {@link #receive} without the counting and size check, which the caller has done. */
    void dispatch(ByteBuf datagram) {
        RelayStats stats = relay.stats();
        byte type = datagram.readableBytes() > 0 ? datagram.getByte(datagram.readerIndex()) : 0;
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
        RelayParticipant previous = participant;
        RelayParticipant joined;
        try {
            joined = relay.join(token, sink);
        } catch (InvalidCallTokenException | RelayFullException e) {
            return; // counted by the relay; no answer, so a scan learns nothing
        }
        participant = joined;
        if (previous != null && previous.isActive()) {
            relay.leave(previous);
        }
        sink.send(RelayDatagram.joined(allocator, joined.participantId()));
    }

    /** The participant on this connection, or null before a successful JOIN or after leaving. */
    public RelayParticipant participant() {
        return participant != null && participant.isActive() ? participant : null;
    }

    /** Leaves the call, if in one: on LEAVE and when the connection closes. */
    public void close() {
        RelayParticipant current = participant;
        participant = null;
        if (current != null) {
            relay.leave(current);
        }
    }
}
