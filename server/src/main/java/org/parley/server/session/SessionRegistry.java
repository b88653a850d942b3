package org.parley.server.session;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import org.parley.server.accounts.DeviceId;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's open WebSocket sessions, so that shutdown, device removal and a lapsed
 * {@link PresenceLease} can close them.
 */
public final class SessionRegistry {
    /**
     * Told to every connection, signed in or not, so it names no cause: the close code (1012, service
     * restart) is what clients act on, and the cause is in the node's log.
     */
    private static final String LET_GO = "unavailable; reconnect";
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Set while the node's presence lease has lapsed: it keeps no connection, new ones included. */
    private volatile boolean lettingGo;

    /**
     * Adds a new connection's session; while the node lets its devices go, closes it at once as
     * {@link #letGo()} does and returns false (it was added first, so that a concurrent {@code letGo}
     * cannot miss it).
     */
    boolean add(Session session) {
        sessions.add(session);
        if (lettingGo) {
            closeToReconnect(session.channel(), LET_GO);
            return false;
        }
        return true;
    }

    void remove(Session session) {
        sessions.remove(session);
    }

    public int size() {
        return sessions.size();
    }

    /** Closes the connections signed in as a device that was just removed (status 1008). */
    public void closeDevice(DeviceId device) {
        for (Session session : sessions) {
            SignedIn who = session.signedIn();
            if (who != null && who.device().equals(device)) {
                closeAsRemoved(session.channel());
            }
        }
    }

    /** Closes a removed device's connection, telling it why (1008, "device removed"). */
    public static void closeAsRemoved(Channel channel) {
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION, "device removed"))
                .addListener(f -> channel.close());
    }

    /** Sends every connection close code 1012 (service restart): clients reconnect, to another node or after a backoff. */
    public void closeAll() {
        closeAllToReconnect("server restarting; reconnect");
    }

    /**
     * Closes every connection as {@link #closeAll()} does, and every new one as soon as it opens,
     * before its challenge (so a client counts it as a failed attempt and backs off, or tries its
     * next address), until {@link #keep()}; returns how many were open.
     */
    int letGo() {
        lettingGo = true;
        return closeAllToReconnect(LET_GO);
    }

    /** Ends {@link #letGo()}: new connections are served again. */
    void keep() {
        lettingGo = false;
    }

    private int closeAllToReconnect(String reason) {
        int closed = 0;
        for (Session session : sessions) {
            closeToReconnect(session.channel(), reason);
            closed++;
        }
        return closed;
    }

    private static void closeToReconnect(Channel channel, String reason) {
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.SERVICE_RESTART, reason)).addListener(f -> channel.close());
    }
}
