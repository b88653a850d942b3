package org.parley.server.requests;

import com.google.protobuf.ByteString;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.calls.CallId;
import org.parley.server.calls.CallTokens;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;
import org.parley.server.webtransport.WebTransportServer;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Issues call tokens (issue 8): a signed-in device asks for one per call and presents it to the
 * relay over UDP (in a JOIN MACed with the token's JOIN key, which only this reply carries, inside
 * the device's TLS connection) or its WebSocket. The server keeps nothing about the request. A token
 * from any node admits to every node's relay (they share the secret), and the relays pass a call's
 * media on between them, so the device joins the relay of the node it reached, whichever that is.
 */
public final class CallRequests {
    private final CallTokens tokens;
    private final OptionalInt udpPort;
    private final Optional<String> udpHost;
    private final WebTransportServer webTransport;

    /**
     * @param udpPort      the relay's bound UDP port, or empty when the relay serves the WebSocket only
     * @param udpHost      where clients send UDP when not to the host of their server URL (this node's
     *                     own address behind a load balancer), or empty
     * @param webTransport the relay's WebTransport listener, or null without one
     */
    public CallRequests(CallTokens tokens, OptionalInt udpPort, Optional<String> udpHost, WebTransportServer webTransport) {
        this.tokens = tokens;
        this.udpPort = udpPort;
        this.udpHost = udpHost;
        this.webTransport = webTransport;
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        handlers.put(ClientFrame.BodyCase.REQUEST_CALL_TOKEN, this::issue);
    }

    private void issue(Session session, ClientFrame frame) {
        long requestId = frame.getRequestId();
        CallId callId = CallId.of(Fields.exactly(requestId, "request_call_token.call_id",
                frame.getRequestCallToken().getCallId(), CallId.BYTES));
        long participantId = tokens.participantId(callId, session.signedIn().device().bytes());
        CallTokens.Issued issued = tokens.issueFor(callId, participantId);
        CallToken.Builder answer = CallToken.newBuilder()
                .setToken(ByteString.copyFrom(issued.token()))
                .setJoinKey(ByteString.copyFrom(issued.joinKey()))
                .setUdpPort(udpPort.orElse(0))
                .setExpiresAt(issued.expiresAt().toEpochMilli())
                .setParticipantId((int) participantId);
        if (udpPort.isPresent()) {
            udpHost.ifPresent(answer::setUdpHost);
        }
        if (webTransport != null) {
            answer.setWebtransportPort(webTransport.localAddress().getPort())
                    .setWebtransportCertSha256(ByteString.copyFrom(webTransport.certificate().sha256()));
        }
        session.reply(requestId, ServerFrame.newBuilder().setCallToken(answer));
    }
}
