package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.parley.client.net.Session;
import org.parley.protocol.v1.CallJoined;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.JoinCallOverWebSocket;
import org.parley.protocol.v1.MediaFrame;
import org.parley.protocol.v1.ServerFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.function.Consumer;
import static org.parley.client.calls.ProbeTicks.monotonicMillis;
import static org.parley.client.calls.ProbeTicks.sleepQuietly;

/**
 * A participant's path to the call relay: UDP first, the signed-in WebSocket when UDP does not
 * work. The UDP wire messages are the relay's ({@code org.parley.server.calls.RelayDatagram}):
 * a type byte, then JOIN, JOINED participant id, MEDIA packet, PING/PONG 8 bytes, LEAVE.
 *
 * <p>Every JOIN is fresh ({@link RelayJoin}); media goes through the relay without its call id ({@link RelayMedia}).
 *
 * <p>Switching: UDP is given up when no JOINED comes within {@link #UDP_ANSWER_MILLIS}, or when
 * a {@link UdpPathMonitor}, fed with the PINGs sent every {@link #PROBE_MILLIS}, their PONGs and
 * the audio that arrives, finds the path dark or throttled; the participant then joins over the
 * WebSocket (a round trip on it, so a WebSocket that does not work keeps the call where it is).
 * After a dark path a UDP JOIN is sent every {@link #REPROBE_MILLIS}: a JOINED means UDP works
 * again, and since the relay moves a participant to its newest endpoint, media flows over UDP
 * from then on. After a throttled path {@link UdpReturn} decides when to come back (issue 15:
 * at most one switch per 30 s while conditions stay the same).
 */
final class RelayTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayTransport.class);
    static final byte JOIN = 0x01;
    static final byte JOINED = 0x02;
    static final byte MEDIA = 0x03;
    static final byte PING = 0x04;
    static final byte PONG = 0x05;
    static final byte LEAVE = 0x06;
    static final int UDP_ANSWER_MILLIS = 1_000;
    static final int PROBE_MILLIS = 50;
    static final int REPROBE_MILLIS = 500;
    /** A tick this late means the prober was held up: PONGs may wait unread. */
    private static final int STALL_MILLIS = 4 * PROBE_MILLIS;
    private static final int MAX_DATAGRAM_BYTES = 65_535;
    enum Path { UDP, WEBSOCKET }

    private final Session session;
    private final ByteString callId;
    private final CallToken token;
    private final Clock clock;
    /** The relay as named in JOINs: the address UDP goes to, with the port the server advertised. */
    private final InetSocketAddress relayAddress;
    private final Consumer<byte[]> onMedia;
    private final DatagramSocket udp;
    private final Thread receiver;
    private final Thread prober;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final UdpPathMonitor monitor = new UdpPathMonitor();
    /** Guarded by {@link #lock}. */
    private final UdpReturn udpReturn;
    private volatile Path path;
    private volatile boolean closed;
    /** The UDP socket went on to a transport that re-joined with a fresh token: closing this one leaves it open. */
    private volatile boolean udpHandedOver;
    private long udpJoinedAt = -1;
    private long pingCounter;
    private int switches;
    private boolean usedUdp;
    private boolean usedWebSocket;
    /** Media is on the WebSocket because UDP was throttled. */
    private volatile boolean udpThrottled;
    /** Why media last left UDP, or "" while it never did. Guarded by this. */
    private String leftUdpBecause = "";

    /** Not started: {@link RelayTransports#join} opens the UDP socket ({@code null}: WebSocket only) and starts it. */
    RelayTransport(Session session, ByteString callId, CallToken token, Clock clock, InetSocketAddress relayAddress,
                   Consumer<byte[]> onMedia, DatagramSocket udp) {
        this.session = session;
        this.callId = callId;
        this.token = token;
        this.clock = clock;
        this.relayAddress = relayAddress;
        this.onMedia = onMedia;
        this.udp = udp;
        this.receiver = new Thread(this::receiveUdp, "parley-call-udp");
        this.prober = new Thread(this::probe, "parley-call-probe");
        this.udpReturn = new UdpReturn(monitor, this::sendUdp);
        receiver.setDaemon(true);
        prober.setDaemon(true);
    }

    /**
     * Joins again with a fresh {@code token} while media is on the WebSocket because UDP was
     * throttled, as a token refresh does on the same network: the new transport joins over the
     * WebSocket and takes over this one's UDP socket and its way back ({@link UdpReturn}), so the
     * trials of UDP go on as scheduled, from the address the relay answers them at (the one the
     * call left). This transport stops reading the socket; media may still go through it over the
     * WebSocket until it is closed, which then leaves the socket open.
     *
     * @throws CallException when the server does not let the new token join over the WebSocket
     *                       (this transport is unchanged)
     */
    RelayTransport rejoinedWhileThrottled(CallToken fresh) {
        RelayTransport next = new RelayTransport(session, callId, fresh, clock, relayAddress, onMedia, udp);
        next.joinWebSocket();
        closed = true;
        udpHandedOver = true;
        stopThreads();
        synchronized (lock) {
            synchronized (next.lock) {
                next.udpReturn.continueFrom(udpReturn, monotonicMillis());
            }
        }
        synchronized (this) {
            next.leftUdpBecause = leftUdpBecause;
        }
        next.udpThrottled = true;
        next.receiver.start();
        next.prober.start();
        return next;
    }

    void start() {
        if (udp != null) {
            receiver.start();
            long deadline = monotonicMillis() + UDP_ANSWER_MILLIS;
            synchronized (lock) {
                while (udpJoinedAt < 0 && monotonicMillis() < deadline) {
                    sendUdp(joinDatagram());
                    try {
                        lock.wait(Math.max(1, Math.min(200, deadline - monotonicMillis())));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                if (udpJoinedAt >= 0) {
                    path = Path.UDP;
                    usedUdp = true;
                }
            }
        }
        if (path == null) {
            if (udp != null) {
                leftUdpBecause = "no answer over UDP within " + UDP_ANSWER_MILLIS + " ms";
            }
            joinWebSocket();
        }
        if (udp != null) {
            prober.start();
        }
    }

    private void joinWebSocket() {
        ServerFrame answer = session.call(ClientFrame.newBuilder().setJoinCallOverWebSocket(
                JoinCallOverWebSocket.newBuilder().setToken(token.getToken())));
        CallJoined joined = answer.getCallJoined();
        if (!answer.hasCallJoined() || joined.getParticipantId() != token.getParticipantId()) {
            throw new CallException("the server did not let this device join the call over the WebSocket: " + answer.getBodyCase());
        }
        synchronized (lock) {
            if (path == Path.UDP) {
                switches++;
            }
            path = Path.WEBSOCKET;
            usedWebSocket = true;
        }
    }

    /**
     * Sends one media packet of this call (SFrame ciphertext in a media packet) the way that
     * works now, without its call id.
     */
    void send(byte[] mediaPacket) {
        byte[] relayed = RelayMedia.strip(mediaPacket, callId);
        if (path == Path.UDP) {
            byte[] datagram = new byte[1 + relayed.length];
            datagram[0] = MEDIA;
            System.arraycopy(relayed, 0, datagram, 1, relayed.length);
            sendUdp(datagram);
        } else {
            session.post(ClientFrame.newBuilder().setMediaFrame(MediaFrame.newBuilder()
                    .setPayload(ByteString.copyFrom(relayed))));
        }
    }

    /**
     * A MediaFrame push that came over the WebSocket: the connection is in this call only (a push
     * names no call; one naming another call is dropped).
     */
    void receivedOverWebSocket(MediaFrame frame) {
        if (frame.getCallId().isEmpty() || frame.getCallId().equals(callId)) {
            byte[] payload = frame.getPayload().toByteArray();
            deliver(payload, 0, payload.length);
        }
    }

    /** Hands the media packet relayed as {@code length} bytes at {@code offset} to the listener; returns it, or null if too short. */
    private byte[] deliver(byte[] relayed, int offset, int length) {
        byte[] packet = RelayMedia.restore(relayed, offset, length, callId);
        if (packet != null) {
            onMedia.accept(packet);
        }
        return packet;
    }

    Path path() {
        return path;
    }

    /** What was used: "udp", "tcp" or "udp+tcp", and how often the path changed. */
    String transportsUsed() {
        synchronized (lock) {
            return usedUdp && usedWebSocket ? "udp+tcp" : usedUdp ? "udp" : "tcp";
        }
    }

    int switches() {
        synchronized (lock) {
            return switches;
        }
    }

    /** Whether media is on the WebSocket because UDP was throttled (until {@link UdpReturn} brings it back). */
    boolean udpThrottled() {
        return udpThrottled;
    }

    /** Why media last left UDP ("throttled: …", "dark: …"), or "" while it never did. */
    synchronized String leftUdpBecause() {
        return leftUdpBecause;
    }

    private byte[] joinDatagram() {
        return RelayJoin.fresh(token, clock.millis(), relayAddress);
    }

    private void sendUdp(byte[] datagram) {
        try {
            udp.send(new DatagramPacket(datagram, datagram.length));
        } catch (IOException e) {
            // An ICMP port-unreachable or a firewall: counted as loss by the probes.
            log.debug("UDP send failed: {}", e.getMessage());
        }
    }

    private void receiveUdp() {
        byte[] buffer = new byte[MAX_DATAGRAM_BYTES];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                if (!closed) {
                    log.debug("UDP receive failed: {}", e.getMessage());
                    sleepQuietly(PROBE_MILLIS);
                }
                continue;
            }
            if (packet.getLength() == 0) {
                continue;
            }
            byte type = buffer[0];
            if (type == MEDIA && packet.getLength() > 1) {
                byte[] media = deliver(buffer, 1, packet.getLength() - 1);
                synchronized (lock) {
                    monitor.mediaReceived(media, monotonicMillis());
                }
            } else if (type == JOINED && packet.getLength() == 5) {
                udpJoined();
            } else if (type == PONG && packet.getLength() >= 9) {
                synchronized (lock) {
                    monitor.pongReceived(ByteBuffer.wrap(buffer, 1, 8).getLong(), monotonicMillis());
                }
            }
        }
    }

    private void udpJoined() {
        synchronized (lock) {
            udpJoinedAt = monotonicMillis();
            if (path == Path.WEBSOCKET) {
                // The relay moved this participant to the UDP endpoint that just joined.
                path = Path.UDP;
                usedUdp = true;
                switches++;
                monitor.restart(udpJoinedAt);
                udpReturn.switched(udpJoinedAt, false);
                udpThrottled = false;
                log.info("UDP to the relay works again; call media moved back to UDP");
            }
            lock.notifyAll();
        }
    }

    private void probe() {
        long lastReprobe = 0;
        long lastTick = monotonicMillis();
        long judgeFrom = 0;
        synchronized (lock) {
            monitor.restart(lastTick);
        }
        while (!closed) {
            sleepQuietly(PROBE_MILLIS);
            if (closed) {
                return;
            }
            long now = monotonicMillis();
            if (now - lastTick > STALL_MILLIS) {
                // PONGs that came meanwhile may not have been read yet: judging now would see loss that is not there.
                judgeFrom = now + UdpPathMonitor.PONG_GRACE_MILLIS;
            }
            lastTick = now;
            if (path == Path.WEBSOCKET) {
                if (udpThrottled() && returnTick(now) || !udpThrottled() && now - lastReprobe >= REPROBE_MILLIS) {
                    lastReprobe = now;
                    sendUdp(joinDatagram());
                }
                continue;
            }
            long id;
            UdpPathMonitor.Verdict verdict;
            boolean mayLeave;
            synchronized (lock) {
                mayLeave = udpReturn.mayLeave(now);
                id = ++pingCounter;
                monitor.probeSent(id, now);
                verdict = now < judgeFrom ? UdpPathMonitor.Verdict.USABLE : monitor.judge(now);
            }
            sendUdp(ByteBuffer.allocate(9).put(PING).putLong(id).array());
            if (verdict.condition() == UdpPathMonitor.Condition.DARK
                    || verdict.condition() == UdpPathMonitor.Condition.THROTTLED && mayLeave) {
                leaveUdp(verdict);
                // The first re-probe of a dark path waits its full interval: at once would bounce straight back.
                lastReprobe = now;
            }
        }
    }

    private void leaveUdp(UdpPathMonitor.Verdict verdict) {
        boolean throttled = verdict.condition() == UdpPathMonitor.Condition.THROTTLED;
        log.info("UDP to the relay is {} ({}); call media moves to the WebSocket", throttled ? "throttled" : "dark", verdict.reason());
        try {
            joinWebSocket();
            synchronized (lock) {
                udpReturn.switched(monotonicMillis(), throttled);
            }
            synchronized (this) {
                udpThrottled = throttled;
                leftUdpBecause = (throttled ? "throttled: " : "dark: ") + verdict.reason();
            }
        } catch (RuntimeException e) {
            log.warn("could not move the call to the WebSocket: {}", e.getMessage());
        }
    }

    private boolean returnTick(long now) {
        synchronized (lock) {
            return udpReturn.tick(now);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (udp != null && !udpHandedOver) {
            if (path == Path.UDP) {
                sendUdp(new byte[] {LEAVE});
            }
            udp.close();
            stopThreads();
        }
    }

    /** Waits for the UDP threads to see {@link #closed} (the receiver within one socket timeout). */
    private void stopThreads() {
        prober.interrupt();
        try {
            receiver.join(1_000);
            prober.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
