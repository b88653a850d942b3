package org.parley.server.calls;

import io.netty.buffer.ByteBuf;
import org.parley.server.metrics.RelayFigures;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The transport-neutral core of the call relay: admits participants with a call token (over UDP
 * in a JOIN MACed with the token's JOIN key, over a signed-in WebSocket as the token's device) and
 * forwards each one's media datagrams to every other participant of the same call (a plain
 * forward for two, a selective forwarding unit for more). Endpoints are {@link MediaSink}s, so
 * a participant can be reached over UDP ({@link UdpRelayServer}) or over its WebSocket, and can
 * move between them by joining again with its token.
 *
 * <p>The relay forwards bytes. It holds no media key and never decrypts: the payloads are
 * SFrame ciphertext keyed from the MLS group, which the server is not part of.
 *
 * <p>With several nodes, the participants of one call may be on different nodes' relays: each
 * relay also hands its participants' media to its {@link RelayPeers} and delivers theirs
 * ({@link #deliverFromPeer}) to its own participants. A single node's relay has no peers.
 *
 * <p>Thread-safe: UDP I/O threads and WebSocket connections call it concurrently.
 */
public final class Relay implements RelayFigures {
    /** How far a JOIN's time may be from the relay's clock, either way. */
    public static final Duration JOIN_WINDOW = Duration.ofSeconds(30);

    private static final class Call {
        /** Copy-on-write: forwarding reads it without a lock, joins and leaves are rare. */
        volatile RelayParticipant[] members = new RelayParticipant[0];
        boolean closed;
    }

    private final CallTokens tokens;
    private final RelayLimits limits;
    private final LongSupplier nanoClock;
    private final RelayStats stats = new RelayStats();
    private final ConcurrentHashMap<CallId, Call> calls = new ConcurrentHashMap<>();
    private final JoinNonces nonces;
    private final RelayPeers peers;

    /** The relay of a single node: no peers. */
    public Relay(CallTokens tokens, RelayLimits limits) {
        this(tokens, limits, relay -> RelayPeers.NONE, System::nanoTime);
    }

    /**
     * The relay of one of several nodes, whose peers {@code peersOf} makes for it (they deliver to
     * it, so they are given the relay; they must not use it before this constructor returns).
     */
    public Relay(CallTokens tokens, RelayLimits limits, Function<Relay, RelayPeers> peersOf) {
        this(tokens, limits, peersOf, System::nanoTime);
    }

    Relay(CallTokens tokens, RelayLimits limits, LongSupplier nanoClock) {
        this(tokens, limits, relay -> RelayPeers.NONE, nanoClock);
    }

    private Relay(CallTokens tokens, RelayLimits limits, Function<Relay, RelayPeers> peersOf, LongSupplier nanoClock) {
        this.tokens = tokens;
        this.limits = limits;
        this.nanoClock = nanoClock;
        this.nonces = new JoinNonces(JOIN_WINDOW.toMillis(), limits.maxJoinNonces(), tokens.clock().millis());
        this.peers = peersOf.apply(this);
    }

    /** The relay's clock, shared with its transports' rate limits. */
    long nanoTime() {
        return nanoClock.getAsLong();
    }

    public RelayStats stats() {
        return stats;
    }

    public RelayLimits limits() {
        return limits;
    }

    /**
     * Verifies a UDP JOIN and admits its participant with {@code sink} as its endpoint: the token
     * must verify, {@code ownAddress} must accept the relay address it names (the UDP server
     * checks the port), its time must be within {@link #JOIN_WINDOW} of the relay's clock, its MAC
     * right under the token's JOIN key, and its nonce unseen within the window. So a JOIN captured on the wire and sent again, from
     * any address, is refused: it cannot move a participant's slot to the sender.
     *
     * @return the admitted participant, or null if the JOIN was refused (counted under its reason)
     */
    public RelayParticipant join(JoinDatagram join, MediaSink sink, Predicate<InetSocketAddress> ownAddress)
            throws InvalidCallTokenException, RelayFullException {
        CallGrant grant = verify(join.token());
        if (!ownAddress.test(join.relayAddress())) {
            stats.joinWrongRelay.increment();
            return null;
        }
        long now = tokens.clock().millis();
        if (Math.abs(now - join.timeMillis()) > JOIN_WINDOW.toMillis()) {
            stats.joinStale.increment();
            return null;
        }
        if (!join.macVerifies(tokens.joinKey(join.token()))) {
            stats.joinBadMac.increment();
            return null;
        }
        JoinNonces.Outcome nonce = nonces.firstUse(join.nonce(), now);
        if (nonce == JoinNonces.Outcome.REPLAYED) {
            stats.joinReplayed.increment();
            return null;
        }
        if (nonce == JoinNonces.Outcome.FULL) {
            stats.joinNoncesFull.increment();
            return null;
        }
        return admit(grant, sink);
    }

    /**
     * Verifies {@code token} for an endpoint the server authenticated as {@code device} (a
     * signed-in WebSocket) and admits its participant with {@code sink}: the token must be the
     * one issued to that device, so a token seen in a UDP JOIN is of no use on another account's
     * connection.
     */
    public RelayParticipant joinAsDevice(byte[] token, byte[] device, MediaSink sink)
            throws InvalidCallTokenException, RelayFullException {
        CallGrant grant = verify(token);
        if (tokens.participantId(grant.callId(), device) != grant.participantId()) {
            InvalidCallTokenException refused = new InvalidCallTokenException(InvalidCallTokenException.Reason.OTHER_DEVICE,
                    "this call token was issued to another device; ask for one with RequestCallToken");
            stats.tokenRejected(refused.reason());
            throw refused;
        }
        return admit(grant, sink);
    }

    private CallGrant verify(byte[] token) throws InvalidCallTokenException {
        try {
            return tokens.verify(token);
        } catch (InvalidCallTokenException e) {
            stats.tokenRejected(e.reason());
            throw e;
        }
    }

    /**
     * Admits the participant of a verified {@code grant} with {@code sink} as its endpoint. If the
     * participant is already in the call (a repeated JOIN, a new address, or a switch between
     * UDP and WebSocket) its endpoint is replaced and the old sink, unless it is {@code sink}
     * again, is told it was detached.
     */
    private RelayParticipant admit(CallGrant grant, MediaSink sink) throws RelayFullException {
        long now = nanoClock.getAsLong();
        while (true) {
            if (!calls.containsKey(grant.callId()) && calls.size() >= limits.maxCalls()) {
                stats.callFull.increment();
                throw new RelayFullException("the relay has " + limits.maxCalls() + " calls open, its limit");
            }
            boolean[] opened = {false};
            Call call = calls.computeIfAbsent(grant.callId(), id -> {
                opened[0] = true;
                return new Call();
            });
            if (opened[0]) {
                peers.callChanged(grant.callId());
            }
            RelayParticipant replaced = null;
            RelayParticipant joined;
            synchronized (call) {
                if (call.closed) {
                    continue;
                }
                RelayParticipant[] members = call.members;
                int existing = indexOf(members, grant.participantId());
                if (existing < 0 && members.length >= limits.maxParticipantsPerCall()) {
                    stats.callFull.increment();
                    throw new RelayFullException("the call has " + members.length + " participants, the limit");
                }
                joined = new RelayParticipant(grant.callId(), grant.participantId(), sink,
                        new TokenBucket(limits.participantPacketsPerSecond(), limits.participantBurst(), now), now,
                        now + tokens.remaining(grant).toNanos());
                RelayParticipant[] updated;
                if (existing >= 0) {
                    replaced = members[existing];
                    replaced.removed = true;
                    updated = members.clone();
                    updated[existing] = joined;
                } else {
                    updated = Arrays.copyOf(members, members.length + 1);
                    updated[members.length] = joined;
                }
                call.members = updated;
            }
            // A JOIN repeated through the same sink (sent again before the first JOINED came
            // back, as on any path slower than the client's retry) keeps that sink: not detached.
            if (replaced != null && replaced.sink != sink) {
                replaced.sink.detached();
            }
            stats.joins.increment();
            return joined;
        }
    }

    /**
     * The participant that {@code earlier} became by joining again (through another endpoint),
     * if it is still in the call; null when it left.
     */
    RelayParticipant successor(RelayParticipant earlier) {
        Call call = calls.get(earlier.callId());
        if (call == null) {
            return null;
        }
        RelayParticipant[] members = call.members;
        int at = indexOf(members, earlier.participantId());
        return at < 0 || members[at] == earlier ? null : members[at];
    }

    private static int indexOf(RelayParticipant[] members, long participantId) {
        for (int i = 0; i < members.length; i++) {
            if (members[i].participantId() == participantId) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Forwards one MEDIA datagram from {@code from} to every other participant of its call,
     * unless {@code from} is over its send budget. Does not take ownership of {@code datagram}.
     *
     * @return false if the datagram was dropped (sender gone or over budget)
     */
    public boolean forward(RelayParticipant from, ByteBuf datagram) {
        if (from.removed) {
            stats.unknownSource.increment();
            return false;
        }
        if (!spend(from)) {
            return false;
        }
        Call call = calls.get(from.callId());
        if (call == null) {
            stats.unknownSource.increment();
            return false;
        }
        int bytes = datagram.readableBytes();
        int sent = 0;
        for (RelayParticipant to : call.members) {
            if (to != from) {
                to.sink.send(datagram.retainedDuplicate());
                sent++;
            }
        }
        stats.framesForwarded.add(sent);
        stats.bytesForwarded.add((long) sent * bytes);
        peers.publish(from.callId(), from.participantId(), datagram);
        return true;
    }

    /**
     * Delivers one datagram that another node's relay received from its participant
     * {@code fromParticipant} of {@code callId} to this relay's participants of the call (all but
     * that participant, should it be here too while it moves between nodes). Only a MEDIA datagram
     * within the size limit is delivered; anything else, and media for a call with no participant
     * here, is dropped and counted. Does not take ownership of {@code datagram}.
     *
     * @return whether it was delivered to anyone
     */
    public boolean deliverFromPeer(CallId callId, long fromParticipant, ByteBuf datagram) {
        int bytes = datagram.readableBytes();
        if (bytes < 2 || bytes > limits.maxDatagramBytes() || datagram.getByte(datagram.readerIndex()) != RelayDatagram.MEDIA) {
            stats.peerJunk.increment();
            return false;
        }
        Call call = calls.get(callId);
        if (call == null) {
            stats.peerNoSuchCall.increment();
            return false;
        }
        int sent = 0;
        for (RelayParticipant to : call.members) {
            if (to.participantId() != fromParticipant) {
                to.sink.send(datagram.retainedDuplicate());
                sent++;
            }
        }
        stats.framesFromPeers.increment();
        stats.framesForwarded.add(sent);
        stats.bytesForwarded.add((long) sent * bytes);
        return sent > 0;
    }

    /** Whether {@code callId} has a participant on this relay. */
    public boolean hasCall(CallId callId) {
        return calls.containsKey(callId);
    }

    /**
     * Takes one packet from {@code participant}'s send budget and marks it alive; false (and
     * counted) when the budget is spent, or when its token expired, which removes it: a call
     * longer than a token's lifetime goes on only if the client joins again with a fresh token.
     * Every request of an admitted participant costs one, media or not, so that no request type
     * escapes the limit.
     */
    public boolean spend(RelayParticipant participant) {
        long now = nanoClock.getAsLong();
        if (now - participant.expiresNanos >= 0) {
            if (remove(participant)) {
                stats.expiredRemoved.increment();
            }
            return false;
        }
        if (!participant.budget.tryTake(now)) {
            stats.participantRateLimited.increment();
            return false;
        }
        participant.lastSeenNanos = now;
        return true;
    }

    /** Removes {@code participant}; its sink is told it was detached. Leaving twice is harmless. */
    public void leave(RelayParticipant participant) {
        if (remove(participant)) {
            stats.leaves.increment();
        }
    }

    private boolean remove(RelayParticipant participant) {
        Call call = calls.get(participant.callId());
        if (call == null) {
            return false;
        }
        boolean lastOne;
        synchronized (call) {
            RelayParticipant[] members = call.members;
            int at = Arrays.asList(members).indexOf(participant);
            if (at < 0) {
                return false;
            }
            RelayParticipant[] updated = new RelayParticipant[members.length - 1];
            System.arraycopy(members, 0, updated, 0, at);
            System.arraycopy(members, at + 1, updated, at, members.length - at - 1);
            call.members = updated;
            participant.removed = true;
            lastOne = updated.length == 0;
            if (lastOne) {
                call.closed = true;
                calls.remove(participant.callId(), call);
            }
        }
        if (lastOne) {
            peers.callChanged(participant.callId());
        }
        participant.sink.detached();
        return true;
    }

    /**
     * Removes participants idle longer than the limit, and those whose token expired (so that one
     * that only listens is not heard to forever); the UDP server calls it periodically.
     */
    public void removeIdle() {
        long now = nanoClock.getAsLong();
        long cutoff = now - limits.idleTimeout().toNanos();
        for (Call call : calls.values()) {
            for (RelayParticipant participant : call.members) {
                if (now - participant.expiresNanos >= 0) {
                    if (remove(participant)) {
                        stats.expiredRemoved.increment();
                    }
                } else if (participant.lastSeenNanos - cutoff < 0 && remove(participant)) {
                    stats.idleRemoved.increment();
                }
            }
        }
    }

    /** Calls with at least one participant. */
    @Override
    public int activeCalls() {
        return calls.size();
    }

    /** Participants across all calls. */
    @Override
    public int activeParticipants() {
        int sum = 0;
        for (Call call : calls.values()) {
            sum += call.members.length;
        }
        return sum;
    }

    /** The relay's counters ({@link RelayStats#snapshot()}) for {@code /metrics}. */
    @Override
    public Map<String, Long> counters() {
        return stats.snapshot();
    }
}
