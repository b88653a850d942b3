package org.parley.server.session;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import org.parley.server.accounts.DeviceId;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The node's open WebSocket sessions, so that shutdown and device removal can close them. */
public final class SessionRegistry {
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

    void add(Session session) {
        sessions.add(session);
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
        for (Session session : sessions) {
            session.channel().writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.SERVICE_RESTART, "server restarting; reconnect"))
                    .addListener(f -> session.channel().close());
        }
    }
}
