package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.bench.load.ClientSession;
import org.parley.bench.load.LoadMetrics;
import org.parley.bench.load.Payload;
import org.parley.protocol.Auth;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One Parley device: answers the server's {@code Challenge} with a {@code Register} signed by a
 * fresh Ed25519 key (no sealed-sender access key), then sends {@code Send} frames with the load payload, records every
 * {@code Deliver} and acknowledges them in one {@code Ack} per read burst.
 */
final class ParleySession extends ClientSession {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long REGISTER_REQUEST = 1;
    private static final long PING_INTERVAL_SECONDS = 45;

    private final ParleyDriver driver;
    private final Ed25519PrivateKeyParameters identityKey;
    /** {private, public}: the server seals every copy for this device to it, and the session opens each. */
    private final byte[][] mailboxKeys = MailboxSeal.generateKeyPair();
    private final List<Long> unacknowledged = new ArrayList<>();
    private long nextRequestId = REGISTER_REQUEST + 1;
    private boolean registered;
    private ScheduledFuture<?> keepAlive;

    ParleySession(int index, LoadMetrics metrics, ParleyDriver driver) {
        super(index, metrics);
        this.driver = driver;
        this.identityKey = new Ed25519PrivateKeyParameters(RANDOM);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(ctx, "parley: WebSocket handshake timed out");
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (!(frame instanceof BinaryWebSocketFrame)) {
                metrics.error("parley: non-binary WebSocket frame");
                return;
            }
            ServerFrame serverFrame = parse(frame.content());
            handle(ctx, serverFrame, now);
        } catch (InvalidProtocolBufferException e) {
            fail(ctx, "parley: malformed ServerFrame");
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!unacknowledged.isEmpty()) {
            // Posted (request_id 0), as the Parley client does: the server answers only a failure.
            write(ctx, ClientFrame.newBuilder().setAck(Ack.newBuilder().addAllEnvelopeIds(unacknowledged)).build());
            unacknowledged.clear();
        }
        ctx.flush();
    }

    private static ServerFrame parse(ByteBuf content) throws InvalidProtocolBufferException {
        try {
            return ServerFrame.parseFrom(new ByteBufInputStream(content));
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    private void handle(ChannelHandlerContext ctx, ServerFrame frame, long now) {
        switch (frame.getBodyCase()) {
            case CHALLENGE -> register(ctx, frame.getChallenge().getNonce().toByteArray());
            case AUTHENTICATED -> {
                if (!registered && frame.getRequestId() == REGISTER_REQUEST) {
                    registered = true;
                    driver.registered(index, frame.getAuthenticated().getAccountId(), frame.getAuthenticated().getDeviceId());
                    keepAlive(ctx);
                    loggedIn();
                }
            }
            case DELIVER -> {
                Deliver deliver = frame.getDeliver();
                unacknowledged.add(deliver.getEnvelopeId());
                try {
                    byte[] opened = MailboxSeal.open(mailboxKeys[0], mailboxKeys[1], deliver.getPayload().toByteArray());
                    metrics.received(Payload.fromBytes(java.nio.ByteBuffer.wrap(opened)), now);
                } catch (IllegalArgumentException e) {
                    metrics.error("parley: a delivered copy that does not open with this device's mailbox key");
                } catch (Payload.MalformedPayloadException e) {
                    metrics.error("parley: delivered payload is not a load payload");
                }
            }
            case ERROR -> {
                String kind = "parley: " + frame.getError().getCode();
                if (!registered) {
                    fail(ctx, kind + " while registering");
                } else {
                    metrics.error(kind);
                }
            }
            default -> {
                // SendAccepted, Ok, MailboxDrained, Pong: nothing to measure
            }
        }
    }

    private void register(ChannelHandlerContext ctx, byte[] nonce) {
        if (registered) {
            return;
        }
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, identityKey);
        byte[] content = Auth.signedContent(nonce);
        signer.update(content, 0, content.length);
        write(ctx, ClientFrame.newBuilder().setRequestId(REGISTER_REQUEST)
                .setRegister(Register.newBuilder()
                        .setUsername(driver.username(index))
                        .setIdentityKey(ByteString.copyFrom(identityKey.generatePublicKey().getEncoded()))
                        .setMailboxKey(ByteString.copyFrom(mailboxKeys[1]))
                        .setSignature(ByteString.copyFrom(signer.generateSignature())))
                .build());
        ctx.flush();
    }

    /**
     * The server closes connections that send nothing for two minutes; an idle load client pings
     * well within that (spread out so that 100,000 clients do not ping at once).
     */
    private void keepAlive(ChannelHandlerContext ctx) {
        long first = ThreadLocalRandom.current().nextLong(PING_INTERVAL_SECONDS * 1000);
        keepAlive = ctx.executor().scheduleAtFixedRate(() -> {
            write(ctx, ClientFrame.newBuilder().setRequestId(nextRequestId++).setPing(Ping.getDefaultInstance()).build());
            ctx.flush();
        }, first, PING_INTERVAL_SECONDS * 1000, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public int send(int[] recipients, Payload payload, int size) {
        byte[] messageId = new byte[16];
        ThreadLocalRandom.current().nextBytes(messageId);
        Send.Builder send = Send.newBuilder()
                .setMessageId(ByteString.copyFrom(messageId))
                .setPayload(ByteString.copyFrom(payload.toBytes(size)));
        for (int recipient : recipients) {
            send.addRecipients(driver.recipient(recipient));
        }
        channel().write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(
                ClientFrame.newBuilder().setRequestId(nextRequestId++).setSend(send).build().toByteArray())));
        return recipients.length;
    }

    private static void write(ChannelHandlerContext ctx, ClientFrame frame) {
        ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())));
    }
}
