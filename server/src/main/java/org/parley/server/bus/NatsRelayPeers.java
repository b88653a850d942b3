package org.parley.server.bus;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import org.parley.server.calls.CallId;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayPeers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Call media between the nodes' relays over NATS core publish/subscribe, on one subject per call,
 * {@code parley.call.<call id in hex>}. A node subscribes to a call's subject while its relay has a
 * participant in the call, and publishes there each media datagram of its own participants, as
 * {@code participant id (4 bytes) | MEDIA datagram}; the other nodes with participants in the call
 * deliver it to theirs. So a caller on one node and a callee on another hear each other, whichever
 * node each reached and over whichever path (UDP, WebSocket, WebTransport), and a node that dies
 * takes only its own participants with it: they reconnect to another node, ask it for a token
 * (every node's is valid everywhere) and join its relay.
 *
 * <p>NATS sees what the relays see: the call id (random, shared only in the call's end-to-end
 * encrypted signalling), the participant ids (keyed hashes, unlinkable across calls) and SFrame
 * ciphertext, with its sizes and timing; nothing about accounts or devices.
 *
 * <p>Media is published only while another node is known to have participants in the call, so a
 * call whose participants are all on one node costs NATS nothing but a few announcements. A node
 * announces itself on the subject when it takes its first participant in the call (an empty
 * message, which the others answer with a one-byte "here") and then every
 * {@link #ANNOUNCE_EVERY}; it forgets the others after {@link #OTHERS_FORGOTTEN_AFTER} without a
 * word from them. The first media packets of a node that just joined may go unheard for the one
 * NATS round trip this takes.
 */
final class NatsRelayPeers implements RelayPeers {
    private static final Logger log = LoggerFactory.getLogger(NatsRelayPeers.class);
    static final String SUBJECT_PREFIX = "parley.call.";
    static final Duration ANNOUNCE_EVERY = Duration.ofSeconds(2);
    static final Duration OTHERS_FORGOTTEN_AFTER = ANNOUNCE_EVERY.multipliedBy(3);
    /** A node took its first participant in the call: who else has some? */
    private static final byte[] HELLO = new byte[0];
    /** This node has participants in the call: an answer to {@link #HELLO}, and the regular announcement. */
    private static final byte[] HERE = {0};
    private static final int PARTICIPANT_BYTES = Integer.BYTES;

    /** A call this node's relay has participants in. */
    private static final class Joined {
        final String subject;
        /** On {@link System#nanoTime}: until when another node is taken to have participants in the call. */
        volatile long othersUntilNanos;

        Joined(String subject, long nowNanos) {
            this.subject = subject;
            this.othersUntilNanos = nowNanos;
        }

        boolean othersPresent() {
            return System.nanoTime() - othersUntilNanos < 0;
        }

        void heardFromAnother() {
            othersUntilNanos = System.nanoTime() + OTHERS_FORGOTTEN_AFTER.toNanos();
        }
    }

    private final Connection connection;
    private final Relay relay;
    private final Dispatcher dispatcher;
    private final ConcurrentHashMap<CallId, Joined> joined = new ConcurrentHashMap<>();
    private final ScheduledExecutorService announcer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "parley-relay-peers");
        thread.setDaemon(true);
        return thread;
    });

    /** Peers of {@code relay} over {@code connection}, which must be opened with no-echo: a node never hears itself. */
    NatsRelayPeers(Connection connection, Relay relay) {
        this.connection = connection;
        this.relay = relay;
        // Its own dispatcher (thread), so that media never waits behind mail notifications, nor they behind it.
        this.dispatcher = connection.createDispatcher(this::received);
        announcer.scheduleAtFixedRate(this::announce, ANNOUNCE_EVERY.toMillis(), ANNOUNCE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    static String subject(CallId call) {
        return SUBJECT_PREFIX + call;
    }

    @Override
    public void callChanged(CallId call) {
        joined.compute(call, (id, current) -> {
            if (relay.hasCall(id)) {
                return current != null ? current : subscribe(id);
            }
            if (current != null) {
                try {
                    dispatcher.unsubscribe(current.subject);
                } catch (IllegalStateException e) {
                    log.debug("relay peers: the NATS connection is closed; nothing to unsubscribe");
                }
            }
            return null;
        });
    }

    private Joined subscribe(CallId call) {
        Joined fresh = new Joined(subject(call), System.nanoTime());
        try {
            dispatcher.subscribe(fresh.subject);
            // After the subscription on the same connection, so the NATS server has it when the answers come.
            connection.publish(fresh.subject, HELLO);
        } catch (IllegalStateException e) {
            log.debug("relay peers: the NATS connection is closed; this call's media stays on this node");
        }
        return fresh;
    }

    @Override
    public void publish(CallId call, long participantId, ByteBuf datagram) {
        Joined here = joined.get(call);
        if (here == null || !here.othersPresent()) {
            return;
        }
        int length = datagram.readableBytes();
        byte[] body = new byte[PARTICIPANT_BYTES + length];
        ByteBuffer.wrap(body).putInt((int) participantId);
        datagram.getBytes(datagram.readerIndex(), body, PARTICIPANT_BYTES, length);
        send(here.subject, body);
    }

    private void send(String subject, byte[] body) {
        try {
            connection.publish(subject, body);
        } catch (IllegalStateException e) {
            // Disconnected longer than the client's buffer covers: late media is worthless anyway.
            log.debug("relay peers: a media datagram was not published: {}", e.getMessage());
        }
    }

    private void announce() {
        joined.values().forEach(call -> send(call.subject, HERE));
    }

    private void received(Message message) {
        String subject = message.getSubject();
        CallId call;
        try {
            call = CallId.of(HexFormat.of().parseHex(subject, SUBJECT_PREFIX.length(), subject.length()));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            log.debug("relay peers: ignored a message on an unexpected subject");
            return;
        }
        Joined here = joined.get(call);
        if (here == null) {
            return; // the last participant here left while the message was on its way
        }
        here.heardFromAnother();
        byte[] data = message.getData();
        if (data == null || data.length == 0) {
            send(here.subject, HERE);
        } else if (data.length > HERE.length) {
            int from = data.length >= PARTICIPANT_BYTES ? ByteBuffer.wrap(data).getInt() : 0;
            int skip = Math.min(PARTICIPANT_BYTES, data.length);
            ByteBuf datagram = Unpooled.wrappedBuffer(data, skip, data.length - skip);
            try {
                relay.deliverFromPeer(call, Integer.toUnsignedLong(from), datagram);
            } finally {
                datagram.release();
            }
        }
    }

    @Override
    public void close() {
        announcer.shutdownNow();
    }
}
