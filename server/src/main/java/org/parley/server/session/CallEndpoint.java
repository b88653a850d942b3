package org.parley.server.session;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.parley.protocol.v1.CallJoined;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.MediaFrame;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.InvalidCallTokenException;
import org.parley.server.calls.MediaSink;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayConnection;
import org.parley.server.calls.RelayDatagram;
import org.parley.server.calls.RelayFullException;
import org.parley.server.calls.RelayParticipant;
import org.parley.server.metrics.Metrics;

import java.time.Duration;

/**
 * One WebSocket connection as a call relay endpoint, the fallback when UDP is blocked: its
 * {@code JoinCallOverWebSocket} admits the connection's device with its own token (a token issued
 * to another device, say one seen in a UDP JOIN, is refused), its {@code MediaFrame}s become relay
 * MEDIA datagrams (the same bytes as over UDP, so the relay's per-participant rate limit and
 * counters apply), and MEDIA the relay sends it goes out as {@code MediaFrame} pushes, without a
 * call id: the connection is in one call at a time. Media is dropped, and counted,
 * while the connection cannot keep up: late audio is worthless. Receive side on the connection's
 * event loop only; {@link #send} is called from the relay's threads.
 */
final class CallEndpoint implements MediaSink {
    /** How long a client refused for load should wait before joining again. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final Channel channel;
    private final Relay relay;
    private final Metrics metrics;
    private final RelayConnection connection;

    CallEndpoint(Channel channel, Relay relay, Metrics metrics) {
        this.channel = channel;
        this.relay = relay;
        this.metrics = metrics;
        this.connection = new RelayConnection(relay, this, channel.alloc());
    }

    void join(Session session, long requestId, byte[] token) {
        if (token.length != CallTokens.TOKEN_BYTES) {
            session.fail(requestId, ErrorCode.INVALID_ARGUMENT, "join_call_over_web_socket.token must be "
                    + CallTokens.TOKEN_BYTES + " bytes, got " + token.length + "; ask for one with RequestCallToken");
            return;
        }
        RelayParticipant participant;
        try {
            participant = connection.joinAsDevice(token, session.signedIn().device().bytes());
        } catch (InvalidCallTokenException e) {
            session.fail(requestId, ErrorCode.ACCESS_DENIED, "call token refused: " + e.getMessage());
            return;
        } catch (RelayFullException e) {
            session.fail(requestId, ErrorCode.RATE_LIMITED, "the relay did not admit this token: " + e.getMessage()
                    + "; try again later", RETRY_AFTER);
            return;
        }
        if (participant == null) {
            session.fail(requestId, ErrorCode.RATE_LIMITED,
                    "this connection sends the relay too much; try again later", RETRY_AFTER);
            return;
        }
        session.reply(requestId, ServerFrame.newBuilder().setCallJoined(CallJoined.newBuilder()
                .setCallId(ByteString.copyFrom(participant.callId().toBytes()))
                .setParticipantId((int) participant.participantId())));
    }

    void media(Session session, long requestId, MediaFrame frame) {
        RelayParticipant participant = connection.participant();
        if (participant == null) {
            session.fail(requestId, ErrorCode.NOT_FOUND,
                    "this connection is in no call: send JoinCallOverWebSocket with a call token first");
            return;
        }
        if (!frame.getCallId().isEmpty() && !frame.getCallId().equals(ByteString.copyFrom(participant.callId().toBytes()))) {
            session.fail(requestId, ErrorCode.INVALID_ARGUMENT,
                    "media_frame.call_id is not the call this connection joined; leave it empty");
            return;
        }
        int maxPayload = relay.limits().maxDatagramBytes() - 1;
        ByteString payload = frame.getPayload();
        if (payload.size() > maxPayload) {
            session.fail(requestId, ErrorCode.INVALID_ARGUMENT, "media_frame.payload of " + payload.size()
                    + " bytes exceeds the relay's limit of " + maxPayload + " bytes; fragment the frame");
            return;
        }
        metrics.mediaFrameReceived();
        ByteBuf media = channel.alloc().buffer(1 + payload.size()).writeByte(RelayDatagram.MEDIA);
        try {
            media.writeBytes(payload.asReadOnlyByteBuffer());
            connection.receive(media);
        } finally {
            media.release();
        }
    }

    /** Leaves the call, if in one: the connection closed. */
    void close() {
        connection.close();
    }

    @Override
    public void send(ByteBuf datagram) {
        try {
            int at = datagram.readerIndex();
            if (datagram.getByte(at) == RelayDatagram.MEDIA) {
                push(datagram, at);
            }
            // Nothing else comes: a WebSocket endpoint sends no JOIN datagram or PING.
        } finally {
            datagram.release();
        }
    }

    private void push(ByteBuf datagram, int at) {
        if (!channel.isActive() || !channel.isWritable()) {
            metrics.mediaFrameDropped();
            return;
        }
        ByteString payload = ByteString.copyFrom(datagram.nioBuffer(at + 1, datagram.readableBytes() - 1));
        channel.writeAndFlush(ServerFrame.newBuilder()
                .setMediaFrame(MediaFrame.newBuilder().setPayload(payload)).build(), channel.voidPromise());
        metrics.mediaFrameSent();
    }
}
