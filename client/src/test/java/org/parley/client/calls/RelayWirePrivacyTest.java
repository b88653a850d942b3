package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.testkit.LiveServer;
import org.parley.media.packet.CallId;
import org.parley.media.packet.MediaPacket;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestCallToken;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * What an observer of the UDP path between a participant and the relay sees, recorded in both
 * directions during a real call through a real server: no datagram carries the call id, no two
 * JOINs look alike, and a recorded JOIN sent again from another socket gets no answer while the
 * participant carries on.
 */
class RelayWirePrivacyTest extends LiveServerTestBase {
    private static final byte JOIN = 0x01;

    @Test
    void noDatagramNamesTheCallAndARecordedJoinIsWorthNothing() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        byte[] id = new byte[CallId.BYTES];
        new SecureRandom().nextBytes(id);
        ByteString callId = ByteString.copyFrom(id);
        CallId mediaCallId = new CallId(java.nio.ByteBuffer.wrap(id).getLong(), java.nio.ByteBuffer.wrap(id, 8, 8).getLong());
        ParleyClient alice = profiles.registered("alice", server.address());
        ParleyClient bob = profiles.registered("bob", server.address());
        CallToken aliceToken = token(alice, callId);
        CallToken bobToken = token(bob, callId);
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", aliceToken.getUdpPort());
        RecordingPath path = new RecordingPath(relay);
        open.add(0, path);

        List<byte[]> aliceGot = new CopyOnWriteArrayList<>();
        List<byte[]> bobGot = new CopyOnWriteArrayList<>();
        RelayTransport aliceSide = RelayTransports.join(alice.session(), path.address(), callId, aliceToken, Clock.systemUTC(),
                aliceGot::add);
        open.add(0, aliceSide);
        RelayTransport bobSide = RelayTransports.join(bob.session(), relay, callId, bobToken, Clock.systemUTC(), bobGot::add);
        open.add(0, bobSide);
        assertThat(aliceSide.path()).isEqualTo(RelayTransport.Path.UDP);

        List<byte[]> fromAlice = new ArrayList<>();
        List<byte[]> fromBob = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            fromAlice.add(new MediaPacket(0, mediaCallId, aliceToken.getParticipantId() & 0xffffffffL, 0, i, 1_000 + i, 0, 1,
                    ("alice " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode());
            fromBob.add(new MediaPacket(0, mediaCallId, bobToken.getParticipantId() & 0xffffffffL, 0, i, 2_000 + i, 0, 1,
                    ("bob " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode());
            aliceSide.send(fromAlice.get(i));
            bobSide.send(fromBob.get(i));
            Thread.sleep(5);
        }
        eventually("the media arrived both ways", () -> bobGot.size() >= 18 && aliceGot.size() >= 18);
        assertThat(bobGot).as("whole packets, call id put back").allSatisfy(p -> assertThat(fromAlice).anySatisfy(
                sent -> assertThat(p).isEqualTo(sent)));
        assertThat(aliceGot).allSatisfy(p -> assertThat(fromBob).anySatisfy(sent -> assertThat(p).isEqualTo(sent)));

        List<byte[]> seen = path.recorded();
        assertThat(seen).hasSizeGreaterThan(40);
        for (byte[] datagram : seen) {
            for (int at = 0; at + 6 <= id.length; at++) {
                assertThat(indexOf(datagram, Arrays.copyOfRange(id, at, at + 6)))
                        .as("6 bytes of the call id at %d in a datagram of type %d", at, datagram[0]).isNegative();
            }
        }
        List<byte[]> joins = seen.stream().filter(d -> d[0] == JOIN).toList();
        assertThat(joins).isNotEmpty();
        Set<ByteString> distinct = new HashSet<>();
        joins.forEach(j -> distinct.add(ByteString.copyFrom(j)));
        assertThat(distinct).as("every JOIN is fresh").hasSameSizeAs(joins);

        // An observer sends the recorded JOIN from its own socket: no answer, and alice keeps her slot.
        try (DatagramSocket observer = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            observer.setSoTimeout(500);
            byte[] join = joins.get(0);
            observer.send(new DatagramPacket(join, join.length, relay));
            DatagramPacket answer = new DatagramPacket(new byte[2048], 2048);
            boolean answered;
            try {
                observer.receive(answer);
                answered = true;
            } catch (SocketTimeoutException expected) {
                answered = false;
            }
            assertThat(answered).as("the relay answered a replayed JOIN").isFalse();
        }
        int before = aliceGot.size();
        for (int i = 0; i < 5; i++) {
            bobSide.send(fromBob.get(i));
        }
        eventually("alice still gets bob's media over UDP", () -> aliceGot.size() > before);
        assertThat(aliceSide.path()).isEqualTo(RelayTransport.Path.UDP);
        assertThat(aliceSide.switches()).isZero();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    private static CallToken token(ParleyClient client, ByteString callId) {
        return client.session().call(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder().setCallId(callId)))
                .getCallToken();
    }

    /** A UDP forwarder between one client and the relay that records every datagram either way. */
    private static final class RecordingPath implements AutoCloseable {
        private final DatagramSocket front;
        private final DatagramSocket back;
        private final InetSocketAddress relay;
        private final List<byte[]> recorded = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private volatile InetSocketAddress client;

        RecordingPath(InetSocketAddress relay) throws IOException {
            this.relay = relay;
            this.front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            this.back = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            threads.add(pump(front, true));
            threads.add(pump(back, false));
        }

        private Thread pump(DatagramSocket from, boolean towardsRelay) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[65_536];
                while (!from.isClosed()) {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    try {
                        from.receive(packet);
                        byte[] datagram = Arrays.copyOf(buffer, packet.getLength());
                        recorded.add(datagram);
                        if (towardsRelay) {
                            client = (InetSocketAddress) packet.getSocketAddress();
                            back.send(new DatagramPacket(datagram, datagram.length, relay));
                        } else if (client != null) {
                            front.send(new DatagramPacket(datagram, datagram.length, client));
                        }
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "recording-path");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        InetSocketAddress address() {
            return (InetSocketAddress) front.getLocalSocketAddress();
        }

        List<byte[]> recorded() {
            return new ArrayList<>(recorded);
        }

        @Override
        public void close() throws InterruptedException {
            front.close();
            back.close();
            for (Thread thread : threads) {
                thread.join(1_000);
            }
        }
    }
}
