package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.parley.client.net.Session;
import org.parley.protocol.v1.CallToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.function.Consumer;

/** Opens a participant's {@link RelayTransport}: the UDP socket to the relay when UDP can be tried, then the transport. */
final class RelayTransports {
    private static final Logger log = LoggerFactory.getLogger(RelayTransports.class);

    private RelayTransports() {
    }

    /**
     * Joins the relay with {@code token} (issued over {@code session}), over UDP when the server
     * offers a UDP port on {@code host} and it answers, else over the WebSocket. Media packets
     * from other participants go to {@code onMedia}, whichever way they come; WebSocket media
     * must be fed through {@link RelayTransport#receivedOverWebSocket}. JOINs are timed on {@code clock}.
     */
    static RelayTransport join(Session session, String host, ByteString callId, CallToken token, Clock clock,
                               Consumer<byte[]> onMedia) {
        return join(session, token.getUdpPort() == 0 ? null : new InetSocketAddress(host, token.getUdpPort()), callId, token,
                clock, onMedia);
    }

    /**
     * As above, with the address UDP goes to given ({@code null}: WebSocket only), e.g. a lossy
     * path in front of the relay, which forwards to the port the token advertises.
     */
    static RelayTransport join(Session session, InetSocketAddress udpRelay, ByteString callId, CallToken token, Clock clock,
                               Consumer<byte[]> onMedia) {
        DatagramSocket udp = null;
        if (udpRelay != null && token.getJoinKey().size() != RelayJoin.JOIN_KEY_BYTES) {
            log.info("the call token has no join key for UDP JOINs; using the WebSocket");
        } else if (udpRelay != null) {
            try {
                udp = new DatagramSocket();
                udp.connect(udpRelay);
                udp.setSoTimeout(RelayTransport.PROBE_MILLIS);
            } catch (IOException e) {
                log.info("no UDP socket for the call ({}); using the WebSocket", e.getMessage());
                if (udp != null) {
                    udp.close();
                }
                udp = null;
            }
        }
        InetSocketAddress relayAddress = udp == null ? null : new InetSocketAddress(udpRelay.getAddress(), token.getUdpPort());
        RelayTransport transport = new RelayTransport(session, callId, token, clock, relayAddress, onMedia, udp);
        transport.start();
        return transport;
    }
}
