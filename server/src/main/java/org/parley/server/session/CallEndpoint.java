package org.parley.server.session;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.parley.protocol.v1.CallJoined;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.MediaFrame;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.calls.CallId;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.InvalidCallTokenException;
import org.parley.server.calls.MediaSink;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayConnection;
import org.parley.server.calls.RelayDatagram;
import org.parley.server.calls.RelayParticipant;
import org.parley.server.metrics.Metrics;

/**
 * One WebSocket connection as a call relay endpoint, the fallback when UDP is blocked: its
 * {@code JoinCallOverWebSocket} and {@code MediaFrame}s become relay JOIN and MEDIA datagrams
 * (the same bytes as over UDP, so the relay's per-participant rate limit and counters apply), and
 * MEDIA the relay sends it goes out as {@code MediaFrame} pushes. Media is dropped, and counted,
 * while the connection cannot keep up: late audio is worthless. Receive side on the connection's
 * event loop only; {@link #send} is called from the relay's threads.
 */
final class CallEndpoint implements MediaSink {
    private final Channel channel;
    private final Relay relay;
    private final CallTokens tokens;
    private final Metrics metrics;
    private final RelayConnection connection;
    /** The participant id of the JOINED the relay answered during the current join, or -1. */
    private long joinedNow = -1;
    private volatile ByteString callId = ByteString.EMPTY;

    CallEndpoint(Channel channel, Relay relay, CallTokens tokens, Metrics metrics) {
        this.channel = channel;
        this.relay = relay;
        this.tokens = tokens;
        this.metrics = metrics;
        this.connection = new RelayConnection(relay, this, channel.alloc());
    }

    void join(Session session, long requestId, byte[] token) {
        if (token.length != CallTokens.TOKEN_BYTES) {
            session.fail(requestId, ErrorCode.INVALID_ARGUMENT, "join_call_over_web_socket.token must be "
                    + CallTokens.TOKEN_BYTES + " bytes, got " + token.length + "; ask for one with RequestCallToken");
            return;
        }
        joinedNow = -1;
        ByteBuf join = channel.alloc().buffer(RelayDatagram.JOIN_BYTES).writeByte(RelayDatagram.JOIN).writeBytes(token);
        try {
            connection.receive(join);
        } finally {
            join.release();
        }
        RelayParticipant participant = connection.participant();
        if (joinedNow < 0 || participant == null) {
            session.fail(requestId, refusal(token), refusalMessage(token));
            return;
        }
        callId = ByteString.copyFrom(participant.callId().toBytes());
        session.reply(requestId, ServerFrame.newBuilder().setCallJoined(CallJoined.newBuilder()
                .setCallId(callId).setParticipantId((int) participant.participantId())));
    }

    private ErrorCode refusal(byte[] token) {
        try {
            tokens.verify(token);
            return ErrorCode.RATE_LIMITED;
        } catch (InvalidCallTokenException e) {
            return ErrorCode.ACCESS_DENIED;
        }
    }

    private String refusalMessage(byte[] token) {
        try {
            tokens.verify(token);
            return "the relay did not admit this token: the call or the relay is full, or this connection sends too much; try again later";
        } catch (InvalidCallTokenException e) {
            return "call token refused: " + e.getMessage();
        }
    }

    void media(Session session, long requestId, MediaFrame frame) {
        RelayParticipant participant = connection.participant();
        if (participant == null) {
            session.fail(requestId, ErrorCode.NOT_FOUND,
                    "this connection is in no call: send JoinCallOverWebSocket with a call token first");
            return;
        }
        if (!frame.getCallId().equals(callId)) {
            session.fail(requestId, ErrorCode.INVALID_ARGUMENT, "media_frame.call_id is not the call this connection joined");
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
            switch (datagram.getByte(at)) {
                case RelayDatagram.JOINED -> joinedNow = datagram.getUnsignedInt(at + 1);
                case RelayDatagram.MEDIA -> push(datagram, at);
                default -> {
                    // PONG: WebSocket endpoints send no PING; the connection has its own keep-alive.
                }
            }
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
                .setMediaFrame(MediaFrame.newBuilder().setCallId(callId).setPayload(payload)).build(), channel.voidPromise());
        metrics.mediaFrameSent();
    }
}
