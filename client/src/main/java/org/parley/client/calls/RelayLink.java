package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.parley.client.ParleyClient;
import org.parley.media.packet.CallId;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestCallToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * This device's place in the server's relay for one call. The relay admits it with a call token
 * that expires (an hour by default): the link joins again with a fresh token before that, and
 * whenever the session's connection to the server was re-established (the relay forgot a
 * participant that was joined over the old WebSocket). Each re-join is a new
 * {@link RelayTransport}; the old one carries media until the new one is up, then is closed.
 * A token refresh keeps a call that left a throttled UDP path on the WebSocket (the network is
 * the same), with its UDP socket and its schedule of trials to come back; after a reconnection,
 * which may be on another network, UDP is tried again at once.
 */
final class RelayLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayLink.class);
    /** Never refresh the token more often than this, even if the clocks disagree about its expiry. */
    private static final long MIN_REFRESH_MILLIS = 1_000;
    private static final long REJOIN_RETRY_MILLIS = 1_000;

    /**
     * Which transports the call used ("udp", "tcp" or "udp+tcp"), how often it switched, how often
     * it re-joined, and why media last left UDP ("" if it never did).
     */
    record Usage(String transports, int switches, int rejoins, String leftUdpBecause) {
    }

    private final ParleyClient client;
    private final CallId callId;
    private final Clock clock;
    private final Consumer<byte[]> onMedia;
    /** Re-joins and token refreshes: they wait on the network, so never on the media timers. */
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "parley-call-rejoin");
        thread.setDaemon(true);
        return thread;
    });
    private final Runnable onReconnect = () -> requestRejoin("the connection to the server was re-established");
    private final Runnable onTokenExpiring = () -> rejoin("the call token expires soon", true);
    private final Object joinLock = new Object();
    private volatile RelayTransport transport;
    private volatile long participantId;
    /** What transports retired by a re-join used, and their switches; guarded by {@link #joinLock}. */
    private final Set<String> retiredTransports = new LinkedHashSet<>();
    private int retiredSwitches;
    private String retiredLeftUdpBecause = "";
    private int rejoins;
    private ScheduledFuture<?> refresh;
    private volatile boolean closed;

    private RelayLink(ParleyClient client, CallId callId, Consumer<byte[]> onMedia) {
        this.client = client;
        this.callId = callId;
        this.clock = client.clock();
        this.onMedia = onMedia;
    }

    /**
     * Gets a call token over the signed-in WebSocket and joins the relay; media packets that
     * arrive go to {@code onMedia} (on a network thread).
     */
    static RelayLink join(ParleyClient client, CallId callId, Consumer<byte[]> onMedia) {
        RelayLink link = new RelayLink(client, callId, onMedia);
        CallToken token = link.requestToken();
        link.participantId = Integer.toUnsignedLong(token.getParticipantId());
        link.transport = link.connect(token, true);
        link.scheduleRefresh(token);
        client.session().addReconnectListener(link.onReconnect);
        client.onMediaFrames(frame -> link.transport.receivedOverWebSocket(frame));
        return link;
    }

    static ByteString callIdBytes(CallId callId) {
        return ByteString.copyFrom(java.nio.ByteBuffer.allocate(CallId.BYTES).putLong(callId.high()).putLong(callId.low()).array());
    }

    /** This device's participant id in the relay; a re-join may change it. */
    long participantId() {
        return participantId;
    }

    /** The transport media goes over now; read it once for all packets of a frame. */
    RelayTransport transport() {
        return transport;
    }

    private CallToken requestToken() {
        return client.session().call(ClientFrame.newBuilder().setRequestCallToken(
                RequestCallToken.newBuilder().setCallId(callIdBytes(callId)))).getCallToken();
    }

    /**
     * Joins with {@code token}: UDP first when {@code tryUdp}, else the WebSocket only. Through a
     * proxy or a bridge only TCP goes: media takes the WebSocket from the start, and the relay's
     * name is never looked up here (a Tor user leaks no DNS). UDP goes to the host of the server
     * URL, or to the one the token names: the node's own address, when several nodes share one
     * load balancer URL that carries TCP only.
     */
    private RelayTransport connect(CallToken token, boolean tryUdp) {
        if (!tryUdp || !client.session().carriesUdp()) {
            return RelayTransports.join(client.session(), (InetSocketAddress) null, callIdBytes(callId), token, clock, onMedia);
        }
        String udpHost = token.getUdpHost().isEmpty() ? client.session().address().host() : token.getUdpHost();
        return RelayTransports.join(client.session(), udpHost, callIdBytes(callId), token, clock, onMedia);
    }

    /** Refreshes at three quarters of the token's remaining life, leaving a quarter for the re-join. */
    private void scheduleRefresh(CallToken token) {
        long remaining = token.getExpiresAt() - clock.millis();
        long delay = Math.max(MIN_REFRESH_MILLIS, remaining * 3 / 4);
        synchronized (joinLock) {
            if (refresh != null) {
                refresh.cancel(false);
            }
            if (!closed) {
                refresh = control.schedule(onTokenExpiring, delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void requestRejoin(String why) {
        if (!closed) {
            control.execute(() -> rejoin(why, false));
        }
    }

    /**
     * Joins the relay again with a fresh token, through a new transport (UDP first, else the
     * WebSocket; the WebSocket only when {@code sameNetwork} and the old one found UDP throttled),
     * then closes the old one; media keeps flowing on the old one meanwhile. On failure it tries
     * again a second later, for as long as the call lasts.
     */
    private void rejoin(String why, boolean sameNetwork) {
        if (closed) {
            return;
        }
        try {
            CallToken token = requestToken();
            // On the same network a throttled path stays left, and its way back (UdpReturn) goes on.
            RelayTransport fresh = sameNetwork && transport.udpThrottled() ? transport.rejoinedWhileThrottled(token) : connect(token, true);
            RelayTransport old;
            synchronized (joinLock) {
                if (closed) {
                    fresh.close();
                    return;
                }
                old = transport;
                retiredTransports.addAll(List.of(old.transportsUsed().split("\\+")));
                retiredSwitches += old.switches() + (old.path() == fresh.path() ? 0 : 1);
                if (!old.leftUdpBecause().isEmpty()) {
                    retiredLeftUdpBecause = old.leftUdpBecause();
                }
                rejoins++;
                participantId = Integer.toUnsignedLong(token.getParticipantId());
                transport = fresh;
            }
            old.close();
            log.info("call media re-joined the relay over {} ({})", currentPath(), why);
            scheduleRefresh(token);
        } catch (RuntimeException e) {
            log.warn("re-joining the call failed ({}); trying again: {}", why, e.getMessage());
            if (!closed) {
                control.schedule(() -> rejoin(why, sameNetwork), REJOIN_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** How media goes now: "udp", or "tcp" over the WebSocket. */
    String currentPath() {
        return transport.path() == RelayTransport.Path.UDP ? "udp" : "tcp";
    }

    Usage usage() {
        synchronized (joinLock) {
            Set<String> all = new LinkedHashSet<>(retiredTransports);
            all.addAll(List.of(transport.transportsUsed().split("\\+")));
            String used = all.contains("udp") && all.contains("tcp") ? "udp+tcp" : all.iterator().next();
            String leftUdp = transport.leftUdpBecause().isEmpty() ? retiredLeftUdpBecause : transport.leftUdpBecause();
            return new Usage(used, retiredSwitches + transport.switches(), rejoins, leftUdp);
        }
    }

    /** Re-joins of the relay so far (token refreshes and reconnections). */
    int rejoins() {
        synchronized (joinLock) {
            return rejoins;
        }
    }

    /** Stops re-joining and refreshing the token; media still flows until {@link #close}. */
    void stopRejoining() {
        closed = true;
        client.session().removeReconnectListener(onReconnect);
        control.shutdownNow();
        try {
            control.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops taking media from the WebSocket and leaves the relay. */
    @Override
    public void close() {
        client.onMediaFrames(null);
        synchronized (joinLock) {
            transport.close();
        }
    }
}
