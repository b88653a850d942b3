package org.parley.server.calls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.InetSocketAddress;
import java.util.function.Predicate;

/**
 * The relay as one endpoint sees it: one UDP address of {@link UdpRelayServer}, or a signed-in
 * WebSocket connection (the fallback when UDP is blocked). The transport feeds it the
 * {@link RelayDatagram}s it receives and gives it a {@link MediaSink} that sends back. A UDP
 * endpoint joins with an authenticated JOIN datagram; a WebSocket endpoint with
 * {@link #joinAsDevice}, as the device it signed in as. An endpoint carries at most one
 * participant; joining again with another token moves it there. An endpoint whose participant
 * joined again elsewhere (a call that moved from UDP to the WebSocket) still gets PONGs while the
 * participant stays in the call, and may JOIN to bring it back, and nothing else: that is how a
 * client tells whether its old path could carry the call again. Those requests are charged to the
 * endpoint's own budget (an unknown address's rate), never the participant's: anyone can send
 * datagrams with that address as their source, and spoofed ones must not use up the budget of
 * the call's media. Call {@link #close} when the connection ends. Not thread-safe: call it from
 * the endpoint's I/O thread.
 */
public final class RelayConnection {
    private final Relay relay;
    private final MediaSink sink;
    private final ByteBufAllocator allocator;
    /** The relay addresses a JOIN datagram may name; null on a WebSocket, which takes no JOIN datagrams. */
    private final Predicate<InetSocketAddress> ownAddress;
    private volatile RelayParticipant participant;
    /** What this endpoint may send once its participant moved elsewhere; made on first use. */
    private TokenBucket leftBudget;

    /** A WebSocket endpoint: it joins with {@link #joinAsDevice}; JOIN datagrams are dropped as junk. */
    public RelayConnection(Relay relay, MediaSink sink, ByteBufAllocator allocator) {
        this(relay, sink, allocator, null);
    }

    /**
     * An endpoint that joins with JOIN datagrams (UDP, or WebTransport datagrams), which must name
     * a relay address {@code ownAddress} accepts.
     */
    public RelayConnection(Relay relay, MediaSink sink, ByteBufAllocator allocator, Predicate<InetSocketAddress> ownAddress) {
        this.relay = relay;
        this.sink = sink;
        this.allocator = allocator;
        this.ownAddress = ownAddress;
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
        RelayParticipant current = participant();
        switch (type) {
            case RelayDatagram.JOIN -> {
                if (ownAddress == null) {
                    stats.junk.increment();
                } else if (current != null ? relay.spend(current) : movedTo() == null || spendLeft()) {
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
                if (current == null && movedTo() == null) {
                    stats.unknownSource.increment();
                } else if (current != null ? relay.spend(current) : spendLeft()) {
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

    /** Takes one request from the budget of this endpoint after its participant moved elsewhere; false (counted) when spent. */
    private boolean spendLeft() {
        long now = relay.nanoTime();
        if (leftBudget == null) {
            leftBudget = new TokenBucket(relay.limits().sourcePacketsPerSecond(), relay.limits().sourceBurst(), now);
        }
        if (!leftBudget.tryTake(now)) {
            relay.stats().sourceRateLimited.increment();
            return false;
        }
        return true;
    }

    private void join(ByteBuf datagram) {
        JoinDatagram join = JoinDatagram.parse(datagram);
        if (join == null) {
            relay.stats().tokenMalformed.increment();
            return;
        }
        RelayParticipant joined;
        try {
            joined = relay.join(join, sink, ownAddress);
        } catch (InvalidCallTokenException | RelayFullException e) {
            return; // counted by the relay; no answer, so a scan learns nothing
        }
        if (joined != null) {
            become(joined);
            sink.send(RelayDatagram.joined(allocator, joined.participantId()));
        }
    }

    /**
     * Joins with {@code token} as {@code device}, the device this (signed-in WebSocket) connection
     * is authenticated as; see {@link Relay#joinAsDevice}.
     *
     * @return the participant, or null when the current one is over its send budget
     */
    public RelayParticipant joinAsDevice(byte[] token, byte[] device) throws InvalidCallTokenException, RelayFullException {
        RelayParticipant current = participant();
        if (current != null && !relay.spend(current)) {
            return null;
        }
        RelayParticipant joined = relay.joinAsDevice(token, device, sink);
        become(joined);
        return joined;
    }

    private void become(RelayParticipant joined) {
        RelayParticipant previous = participant;
        participant = joined;
        if (previous != null && previous.isActive()) {
            relay.leave(previous);
        }
    }

    /** The participant on this connection, or null before a successful JOIN or after leaving. */
    public RelayParticipant participant() {
        RelayParticipant current = participant;
        return current != null && current.isActive() ? current : null;
    }

    /**
     * The participant this endpoint's participant became by joining again through another
     * endpoint, while it is in the call; null if it never moved, left, or this endpoint left.
     */
    public RelayParticipant movedTo() {
        RelayParticipant last = participant;
        return last == null || last.isActive() ? null : relay.successor(last);
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
