package org.parley.server.calls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transport-neutral relay core, with in-memory sinks standing in for WebSocket connections. */
class RelayTest {
    private final CallTokens tokens = CallTokens.withRandomSecret(new SecureRandom(), Clock.systemUTC(), Duration.ofMinutes(5));
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final RelayLimits limits = new RelayLimits(1400, 2, 3, 50, 10, 50, 50, 100, Duration.ofSeconds(30), 1_000);
    private final Relay relay = new Relay(tokens, limits, nanos::get);
    private final CallId call = new CallId(1, 1);
    private static final java.net.InetSocketAddress RELAY_ADDRESS = new java.net.InetSocketAddress("127.0.0.1", 7878);

    /** A sink that records what it is sent, like a WebSocket connection would send it on. */
    static final class RecordingSink implements MediaSink {
        final List<byte[]> sent = new ArrayList<>();
        boolean detached;

        @Override
        public void send(ByteBuf datagram) {
            byte[] bytes = new byte[datagram.readableBytes()];
            datagram.readBytes(bytes);
            datagram.release();
            sent.add(bytes);
        }

        @Override
        public void detached() {
            detached = true;
        }
    }

    private static ByteBuf media(int marker) {
        return Unpooled.wrappedBuffer(new byte[]{RelayDatagram.MEDIA, (byte) marker});
    }

    private boolean forward(RelayParticipant from, int marker) {
        ByteBuf datagram = media(marker);
        try {
            return relay.forward(from, datagram);
        } finally {
            datagram.release();
        }
    }

    @Test
    void forwardsToEveryOtherParticipantOnly() throws Exception {
        RecordingSink[] sinks = {new RecordingSink(), new RecordingSink(), new RecordingSink()};
        List<RelayParticipant> participants = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            participants.add(join(call, i, sinks[i]));
        }
        RecordingSink otherCall = new RecordingSink();
        join(new CallId(2, 2), 0, otherCall);
        assertThat(forward(participants.get(1), 7)).isTrue();
        assertThat(sinks[0].sent).containsExactly(new byte[]{RelayDatagram.MEDIA, 7});
        assertThat(sinks[1].sent).isEmpty();
        assertThat(sinks[2].sent).containsExactly(new byte[]{RelayDatagram.MEDIA, 7});
        assertThat(otherCall.sent).isEmpty();
        assertThat(relay.stats().framesForwarded()).isEqualTo(2);

        relay.leave(participants.get(2));
        assertThat(sinks[2].detached).isTrue();
        forward(participants.get(0), 8);
        assertThat(sinks[2].sent).hasSize(1);
        assertThat(forward(participants.get(2), 9)).as("a participant who left cannot send").isFalse();
        assertThat(relay.activeParticipants()).isEqualTo(3);
    }

    @Test
    void joiningAgainMovesTheParticipantToItsNewSink() throws Exception {
        RecordingSink udp = new RecordingSink();
        RecordingSink webSocket = new RecordingSink();
        RecordingSink peer = new RecordingSink();
        byte[] token = tokenOf(call, 0);
        RelayParticipant first = relay.joinAsDevice(token, device(0), udp);
        RelayParticipant other = join(call, 1, peer);
        RelayParticipant moved = relay.joinAsDevice(token, device(0), webSocket);
        assertThat(udp.detached).isTrue();
        assertThat(first.isActive()).isFalse();
        forward(other, 1);
        assertThat(udp.sent).isEmpty();
        assertThat(webSocket.sent).hasSize(1);
        assertThat(forward(moved, 2)).isTrue();
        assertThat(peer.sent).hasSize(1);
        assertThat(relay.activeParticipants()).isEqualTo(2);
    }

    @Test
    void limitsOnCallsParticipantsAndSendRate() throws Exception {
        for (int i = 0; i < 3; i++) {
            join(call, i, new RecordingSink());
        }
        assertThatThrownBy(() -> join(call, 3, new RecordingSink()))
                .isInstanceOf(RelayFullException.class).hasMessageContaining("3 participants");
        join(new CallId(2, 2), 0, new RecordingSink());
        assertThatThrownBy(() -> join(new CallId(3, 3), 0, new RecordingSink()))
                .isInstanceOf(RelayFullException.class).hasMessageContaining("2 calls");

        RecordingSink listener = new RecordingSink();
        RelayParticipant sender = join(new CallId(2, 2), 1, listener);
        RelayParticipant receiver = join(new CallId(2, 2), 2, new RecordingSink());
        int accepted = 0;
        for (int i = 0; i < 100; i++) {
            accepted += forward(sender, i) ? 1 : 0;
        }
        assertThat(accepted).as("the burst of 10").isEqualTo(10);
        nanos.addAndGet(1_000_000_000L);
        accepted = 0;
        for (int i = 0; i < 100; i++) {
            accepted += forward(sender, i) ? 1 : 0;
        }
        assertThat(accepted).as("one second refills the burst, capped at 10").isEqualTo(10);
        assertThat(relay.stats().snapshot().get("relay_dropped_participant_rate_limited_total")).isEqualTo(180);
        assertThat(forward(receiver, 1)).as("another participant's budget is untouched").isTrue();
    }

    @Test
    void aParticipantWhoseTokenExpiredIsRemovedUnlessItJoinedAgainWithAFreshOne() throws Exception {
        RecordingSink talkerSink = new RecordingSink();
        RelayParticipant talker = join(call, 0, talkerSink);
        RelayParticipant listener = join(call, 1, new RecordingSink());
        RelayParticipant renewing = join(call, 2, new RecordingSink());
        nanos.addAndGet(Duration.ofMinutes(4).toNanos());
        assertThat(forward(talker, 1)).isTrue();
        // Before the 5-minute lifetime ends, the renewing participant joins again with a fresh token.
        nanos.addAndGet(Duration.ofSeconds(50).toNanos());
        RelayParticipant renewed = join(call, 2, new RecordingSink());
        assertThat(renewing.isActive()).as("replaced by the new join").isFalse();
        nanos.addAndGet(Duration.ofSeconds(15).toNanos());

        assertThat(forward(talker, 2)).as("the talker's token expired").isFalse();
        assertThat(talker.isActive()).isFalse();
        assertThat(talkerSink.detached).isTrue();
        relay.removeIdle();
        assertThat(listener.isActive()).as("a listener's expired token is swept too").isFalse();
        assertThat(renewed.isActive()).isTrue();
        assertThat(relay.stats().snapshot()).containsEntry("relay_expired_removed_total", 2L)
                .containsEntry("relay_idle_removed_total", 0L);
    }

    @Test
    void idleParticipantsAreRemovedAndBadTokensCounted() throws Exception {
        RecordingSink sink = new RecordingSink();
        RelayParticipant quiet = join(call, 0, sink);
        RelayParticipant talker = join(call, 1, new RecordingSink());
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        forward(talker, 1);
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        relay.removeIdle();
        assertThat(quiet.isActive()).isFalse();
        assertThat(sink.detached).isTrue();
        assertThat(talker.isActive()).isTrue();

        byte[] forged = tokenOf(call, 5);
        forged[3] ^= 1;
        assertThatThrownBy(() -> relay.joinAsDevice(forged, device(5), new RecordingSink()))
                .isInstanceOf(InvalidCallTokenException.class);
        assertThatThrownBy(() -> relay.joinAsDevice(new byte[3], device(5), new RecordingSink()))
                .isInstanceOf(InvalidCallTokenException.class);
        assertThatThrownBy(() -> relay.joinAsDevice(tokenOf(call, 5), device(6), new RecordingSink()))
                .as("a token presented by a device it was not issued to").isInstanceOf(InvalidCallTokenException.class)
                .hasMessageContaining("another device");
        assertThat(relay.stats().snapshot()).containsEntry("relay_dropped_token_bad_mac_total", 1L)
                .containsEntry("relay_dropped_token_malformed_total", 1L)
                .containsEntry("relay_dropped_token_other_device_total", 1L).containsEntry("relay_idle_removed_total", 1L);
    }

    @Test
    void aConnectionSpeaksTheUdpDatagrams() throws Exception {
        RecordingSink connectionSink = new RecordingSink();
        RecordingSink peer = new RecordingSink();
        RelayConnection connection = udpConnection(connectionSink);
        receive(connection, new byte[]{RelayDatagram.MEDIA, 1});
        receive(connection, new byte[]{RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8});
        receive(connection, new byte[]{RelayDatagram.JOIN, 1, 2});
        receive(connection, new byte[]{0x7f});
        receive(connection, new byte[limits.maxDatagramBytes() + 1]);
        assertThat(connectionSink.sent).as("nothing answered before a valid JOIN").isEmpty();
        assertThat(relay.stats().snapshot()).containsEntry("relay_dropped_unknown_source_total", 2L)
                .containsEntry("relay_dropped_token_malformed_total", 1L).containsEntry("relay_dropped_junk_total", 1L)
                .containsEntry("relay_dropped_oversized_total", 1L);

        RelayParticipant other = join(call, 1, peer);
        receive(connection, joinDatagram(call, 0));
        assertThat(connectionSink.sent).containsExactly(java.nio.ByteBuffer.allocate(5).put(RelayDatagram.JOINED)
                .putInt((int) tokens.participantId(call, device(0))).array());
        receive(connection, new byte[]{RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(connectionSink.sent.get(1)).containsExactly(RelayDatagram.PONG, 1, 2, 3, 4, 5, 6, 7, 8);
        receive(connection, new byte[]{RelayDatagram.MEDIA, 9});
        assertThat(peer.sent).containsExactly(new byte[]{RelayDatagram.MEDIA, 9});
        forward(other, 4);
        assertThat(connectionSink.sent).last().isEqualTo(new byte[]{RelayDatagram.MEDIA, 4});

        receive(connection, new byte[]{RelayDatagram.LEAVE});
        assertThat(connection.participant()).isNull();
        assertThat(connectionSink.detached).isTrue();
        assertThat(relay.activeParticipants()).isEqualTo(1);
    }

    @Test
    void anEndpointLeftForTheWebSocketGetsPongsAndNoMediaWhileItsParticipantStays() throws Exception {
        RecordingSink udpSink = new RecordingSink();
        RecordingSink webSocketSink = new RecordingSink();
        RecordingSink peer = new RecordingSink();
        RelayParticipant other = join(call, 1, peer);
        RelayConnection udp = udpConnection(udpSink);
        receive(udp, joinDatagram(call, 0));
        RelayConnection webSocket = new RelayConnection(relay, webSocketSink, io.netty.buffer.ByteBufAllocator.DEFAULT);
        RelayParticipant moved = webSocket.joinAsDevice(tokenOf(call, 0), device(0));
        assertThat(udpSink.detached).isTrue();
        assertThat(udp.participant()).isNull();
        assertThat(udp.movedTo()).isSameAs(moved);
        udpSink.sent.clear();

        byte[] paddedPing = new byte[RelayDatagram.MAX_PING_BYTES];
        paddedPing[0] = RelayDatagram.PING;
        paddedPing[8] = 42;
        receive(udp, paddedPing);
        assertThat(udpSink.sent).as("a PONG as large as the padded PING").hasSize(1);
        assertThat(udpSink.sent.get(0)).hasSize(RelayDatagram.MAX_PING_BYTES).startsWith(RelayDatagram.PONG);
        assertThat(udpSink.sent.get(0)[8]).isEqualTo((byte) 42);
        byte[] oversizedPing = new byte[RelayDatagram.MAX_PING_BYTES + 1];
        oversizedPing[0] = RelayDatagram.PING;
        receive(udp, oversizedPing);
        receive(udp, new byte[]{RelayDatagram.PING, 1, 2, 3});
        assertThat(udpSink.sent).as("a PING too long or truncated is not answered").hasSize(1);

        forward(other, 5);
        receive(udp, new byte[]{RelayDatagram.MEDIA, 6});
        assertThat(udpSink.sent).as("no media to the old endpoint").hasSize(1);
        assertThat(webSocketSink.sent).containsExactly(new byte[]{RelayDatagram.MEDIA, 5});
        assertThat(peer.sent).as("no media from the old endpoint").isEmpty();

        webSocket.close();
        assertThat(udp.movedTo()).isNull();
        int answered = udpSink.sent.size();
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        receive(udp, new byte[]{RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(udpSink.sent).as("no PONG once the participant left").hasSize(answered);
    }

    /**
     * Issue 15, the attack: anyone can send datagrams whose source is the UDP address a call left
     * for the WebSocket (the relay answers PINGs there, for the client's trials of UDP). A flood
     * of PINGs and junk JOINs spoofed from it used to spend the participant's own budget, so the
     * relay dropped the call's media on the WebSocket. Now that address has a budget of its own.
     */
    @Test
    void aFloodSpoofedFromTheAddressACallLeftSpendsNothingOfTheCallsMediaBudget() throws Exception {
        RecordingSink udpSink = new RecordingSink();
        RecordingSink peer = new RecordingSink();
        join(call, 1, peer);
        RelayConnection udp = udpConnection(udpSink);
        receive(udp, joinDatagram(call, 0));
        RelayParticipant moved = new RelayConnection(relay, new RecordingSink(), io.netty.buffer.ByteBufAllocator.DEFAULT)
                .joinAsDevice(tokenOf(call, 0), device(0));
        udpSink.sent.clear();

        for (int i = 0; i < 1_000; i++) {
            receive(udp, new byte[]{RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8});
            receive(udp, new byte[]{RelayDatagram.JOIN, 1, 2});
        }
        assertThat(udpSink.sent.size()).as("the flood is cut at the left address's own burst").isLessThanOrEqualTo((int) limits.sourceBurst());
        assertThat(relay.stats().snapshot().get("relay_dropped_source_rate_limited_total")).isGreaterThan(1_900L);
        assertThat(relay.stats().snapshot()).containsEntry("relay_dropped_participant_rate_limited_total", 0L);
        for (int i = 0; i < (int) limits.participantBurst(); i++) {
            assertThat(forward(moved, i)).as("media %d of the participant's full burst on the WebSocket", i).isTrue();
        }
        assertThat(peer.sent).hasSize((int) limits.participantBurst());

        // A second later the client's own trial PINGs are answered again.
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        int answered = udpSink.sent.size();
        receive(udp, new byte[]{RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(udpSink.sent).hasSize(answered + 1);
    }

    @Test
    void aConnectionJoiningAnotherCallLeavesTheFirst() throws Exception {
        RecordingSink sink = new RecordingSink();
        RelayConnection connection = udpConnection(sink);
        receive(connection, joinDatagram(call, 0));
        CallId second = new CallId(2, 2);
        receive(connection, joinDatagram(second, 5));
        assertThat(connection.participant().callId()).isEqualTo(second);
        assertThat(relay.activeCalls()).isEqualTo(1);
        assertThat(relay.activeParticipants()).isEqualTo(1);
        connection.close();
        assertThat(relay.activeCalls()).isZero();
    }

    @Test
    void aWebSocketConnectionJoinsAsItsDeviceAndTakesNoJoinDatagrams() throws Exception {
        RecordingSink sink = new RecordingSink();
        RelayConnection webSocket = new RelayConnection(relay, sink, io.netty.buffer.ByteBufAllocator.DEFAULT);
        receive(webSocket, joinDatagram(call, 0));
        assertThat(webSocket.participant()).as("a JOIN datagram is not how a WebSocket joins").isNull();
        assertThat(relay.stats().snapshot()).containsEntry("relay_dropped_junk_total", 1L);
        assertThatThrownBy(() -> webSocket.joinAsDevice(tokenOf(call, 0), device(1)))
                .isInstanceOf(InvalidCallTokenException.class);
        assertThat(webSocket.participant()).isNull();
        RelayParticipant joined = webSocket.joinAsDevice(tokenOf(call, 1), device(1));
        assertThat(joined.participantId()).isEqualTo(tokens.participantId(call, device(1)));
        assertThat(webSocket.participant()).isSameAs(joined);
        assertThat(sink.sent).as("the WebSocket answers with CallJoined, not a JOINED datagram").isEmpty();
    }

    private static byte[] device(int index) {
        return new byte[] {(byte) index, 42};
    }

    /** A token issued to device {@code index} for {@code call}, as CallRequests issues it. */
    private byte[] tokenOf(CallId call, int index) {
        return tokens.issue(call, tokens.participantId(call, device(index)));
    }

    /** What a relay of one of several nodes tells its peers, recorded. */
    static final class RecordingPeers implements RelayPeers {
        final List<String> events = new ArrayList<>();
        Relay relay;

        @Override
        public void callChanged(CallId changed) {
            events.add((relay.hasCall(changed) ? "open " : "closed ") + changed);
        }

        @Override
        public void publish(CallId published, long participantId, ByteBuf datagram) {
            events.add("media " + published + " from " + participantId + " marker " + datagram.getByte(datagram.readerIndex() + 1));
        }

        @Override
        public void close() {
        }
    }

    private Relay peered(RecordingPeers peers) {
        return new Relay(tokens, limits, r -> {
            peers.relay = r;
            return peers;
        });
    }

    @Test
    void aRelayOfSeveralNodesHandsItsParticipantsMediaToItsPeersAndDeliversTheirsToAllButTheSender() throws Exception {
        RecordingPeers peers = new RecordingPeers();
        Relay peered = peered(peers);
        RecordingSink[] sinks = {new RecordingSink(), new RecordingSink()};
        RelayParticipant first = peered.joinAsDevice(tokenOf(call, 0), device(0), sinks[0]);
        peered.joinAsDevice(tokenOf(call, 1), device(1), sinks[1]);
        assertThat(peers.events).as("told once, when the call got its first participant here").containsExactly("open " + call);

        ByteBuf datagram = media(5);
        peered.forward(first, datagram);
        datagram.release();
        assertThat(sinks[1].sent).containsExactly(new byte[]{RelayDatagram.MEDIA, 5});
        assertThat(peers.events).last().isEqualTo("media " + call + " from " + first.participantId() + " marker 5");

        // Media of a participant on another node, and of one that is here too (moving between nodes): not echoed to it.
        ByteBuf remote = media(6);
        assertThat(peered.deliverFromPeer(call, 0xfffffff0L, remote)).isTrue();
        assertThat(peered.deliverFromPeer(call, first.participantId(), remote)).isTrue();
        remote.release();
        assertThat(sinks[0].sent).containsExactly(new byte[]{RelayDatagram.MEDIA, 6});
        assertThat(sinks[1].sent).containsExactly(new byte[]{RelayDatagram.MEDIA, 5}, new byte[]{RelayDatagram.MEDIA, 6},
                new byte[]{RelayDatagram.MEDIA, 6});
        assertThat(peered.stats().framesFromOtherNodes()).isEqualTo(2);
    }

    @Test
    void mediaFromAPeerForACallWithNobodyHereOrThatIsNotMediaIsDroppedAndCounted() throws Exception {
        RecordingPeers peers = new RecordingPeers();
        Relay peered = peered(peers);
        RecordingSink sink = new RecordingSink();
        RelayParticipant only = peered.joinAsDevice(tokenOf(call, 0), device(0), sink);
        ByteBuf forNobody = media(1);
        assertThat(peered.deliverFromPeer(new CallId(9, 9), 7, forNobody)).as("a call this node has no participant in").isFalse();
        forNobody.release();
        byte[] oversized = new byte[limits.maxDatagramBytes() + 1];
        oversized[0] = RelayDatagram.MEDIA;
        for (byte[] junk : List.of(new byte[]{RelayDatagram.JOIN, 1}, new byte[]{RelayDatagram.MEDIA}, oversized)) {
            ByteBuf datagram = Unpooled.wrappedBuffer(junk);
            assertThat(peered.deliverFromPeer(call, 7, datagram)).isFalse();
            datagram.release();
        }
        assertThat(sink.sent).isEmpty();
        assertThat(peered.stats().droppedFromOtherNodes()).isEqualTo(4);
        assertThat(peered.counters()).containsEntry("relay_dropped_other_node_no_such_call_total", 1L)
                .containsEntry("relay_dropped_other_node_junk_total", 3L);

        peered.leave(only);
        assertThat(peers.events).containsExactly("open " + call, "closed " + call);
        ByteBuf late = media(2);
        assertThat(peered.deliverFromPeer(call, 7, late)).as("after the last participant here left").isFalse();
        late.release();
    }

    private RelayParticipant join(CallId call, int index, MediaSink sink) throws Exception {
        return relay.joinAsDevice(tokenOf(call, index), device(index), sink);
    }

    private RelayConnection udpConnection(MediaSink sink) {
        return new RelayConnection(relay, sink, io.netty.buffer.ByteBufAllocator.DEFAULT, RELAY_ADDRESS::equals);
    }

    private byte[] joinDatagram(CallId call, int index) {
        byte[] token = tokenOf(call, index);
        return RelayDatagram.join(token, tokens.joinKey(token), RELAY_ADDRESS);
    }

    private static void receive(RelayConnection connection, byte[] datagram) {
        ByteBuf buffer = Unpooled.wrappedBuffer(datagram);
        connection.receive(buffer);
        buffer.release();
    }
}
