package org.parley.server.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import org.parley.protocol.Auth;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.Pong;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.calls.Relay;
import org.parley.server.identity.ServerIdentity;
import org.parley.server.metrics.Metrics;
import org.parley.server.storage.StoreException;
import org.parley.server.transport.ProtocolViolation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Dispatches ClientFrames to the capability handlers. It owns the connection's authentication
 * state machine: a fresh challenge on connect; then either sign-in (Register, RequestLink,
 * Authenticate), never again after it, or the anonymous connection (parley.proto header), which
 * never signs in. A connection that sent RequestLink is signed in later, when a device of the
 * account approves its code. Before sign-in a connection may send Ping and the anonymous requests:
 * GetTokenKeys, sealed Send and sealed SubmitCommit; once it made one it can never sign in, and
 * once it started signing in it can make none. A signed-in connection may not send sealed: that
 * would name the sender of a sealed send. Out-of-order frames are violations.
 * Call media ({@code JoinCallOverWebSocket}, {@code MediaFrame}) is handled right here on the
 * event loop, not on the request pool: it is cheap, and its latency matters.
 */
public final class SessionHandler extends SimpleChannelInboundHandler<ClientFrame> {
    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
    /** The wait asked of a client whose request failed in the database: the pool replaces a lost session at once. */
    private static final Duration DATABASE_RETRY = Duration.ofSeconds(2);
    private static final Set<ClientFrame.BodyCase> SIGN_IN = Set.of(ClientFrame.BodyCase.AUTHENTICATE,
            ClientFrame.BodyCase.REGISTER, ClientFrame.BodyCase.REQUEST_LINK);
    /** Requests the anonymous connection may make (Send and SubmitCommit only sealed). */
    private static final Set<ClientFrame.BodyCase> ANONYMOUS = Set.of(ClientFrame.BodyCase.GET_TOKEN_KEYS,
            ClientFrame.BodyCase.SEND, ClientFrame.BodyCase.SUBMIT_COMMIT);

    private final Map<ClientFrame.BodyCase, RequestHandler> handlers;
    private final Executor pool;
    private final Metrics metrics;
    private final SecureRandom random;
    private final SessionRegistry registry;
    private final Relay calls;
    private final ServerIdentity identity;
    private Session session;
    /** Set on the event loop when this connection first sends a sign-in request, or first an anonymous one. */
    private boolean signInStarted;
    private boolean anonymous;
    /** Created on the connection's first call frame. */
    private CallEndpoint callEndpoint;

    public SessionHandler(Map<ClientFrame.BodyCase, RequestHandler> handlers, Executor pool, Metrics metrics,
                          SecureRandom random, SessionRegistry registry, Relay calls, ServerIdentity identity) {
        this.handlers = new EnumMap<>(handlers);
        this.pool = pool;
        this.metrics = metrics;
        this.random = random;
        this.registry = registry;
        this.calls = calls;
        this.identity = identity;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            byte[] nonce = new byte[Auth.CHALLENGE_LENGTH];
            random.nextBytes(nonce);
            session = new Session(ctx, nonce, pool, metrics);
            metrics.connectionOpened();
            if (registry.add(session)) { // else the node is letting its devices go, and closes this connection
                ctx.writeAndFlush(ServerFrame.newBuilder().setChallenge(identity.challenge(nonce)).build());
            }
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ClientFrame frame) {
        long requestId = frame.getRequestId();
        ClientFrame.BodyCase body = frame.getBodyCase();
        if (session == null) {
            return; // frames cannot precede the handshake; nothing to answer on
        }
        if (body == ClientFrame.BodyCase.PING) {
            ctx.writeAndFlush(ServerFrame.newBuilder().setRequestId(requestId).setPong(Pong.getDefaultInstance()).build());
            return;
        }
        boolean media = body == ClientFrame.BodyCase.JOIN_CALL_OVER_WEB_SOCKET || body == ClientFrame.BodyCase.MEDIA_FRAME;
        RequestHandler handler = handlers.get(body);
        if (handler == null && !media) {
            ctx.fireExceptionCaught(new ProtocolViolation(requestId, body == ClientFrame.BodyCase.BODY_NOT_SET
                    ? ErrorCode.MALFORMED_FRAME : ErrorCode.UNSUPPORTED,
                    body == ClientFrame.BodyCase.BODY_NOT_SET ? "the frame has no body (or one this server does not know)"
                            : "this server does not serve " + body));
            return;
        }
        boolean signIn = SIGN_IN.contains(body);
        if (signIn && session.isAuthenticated()) {
            ctx.fireExceptionCaught(new ProtocolViolation(requestId, ErrorCode.ALREADY_AUTHENTICATED,
                    "this connection is already signed in; " + body + " is only valid before"));
            return;
        }
        if (signIn && anonymous) {
            ctx.fireExceptionCaught(new ProtocolViolation(requestId, ErrorCode.ALREADY_AUTHENTICATED,
                    "this connection made anonymous requests and can never sign in: sign in on another connection"));
            return;
        }
        if (!signIn && !session.isAuthenticated()) {
            if (!ANONYMOUS.contains(body) || signInStarted) {
                ctx.fireExceptionCaught(new ProtocolViolation(requestId, ErrorCode.NOT_AUTHENTICATED,
                        body + " needs a signed-in connection: send Authenticate, Register or RequestLink first"));
                return;
            }
            if (!allSealed(frame)) {
                ctx.fireExceptionCaught(new ProtocolViolation(requestId, ErrorCode.NOT_AUTHENTICATED,
                        "an unsealed " + body + " needs a signed-in connection; on this one, send sealed with a send token"));
                return;
            }
            anonymous = true;
        }
        if (session.isAuthenticated() && anySealed(frame)) {
            // Refused, not counted as a violation: a client that has not yet learned the anonymous connection.
            session.fail(requestId, ErrorCode.INVALID_ARGUMENT,
                    "sealed sends go on the anonymous connection: a signed-in connection would name their sender");
            return;
        }
        signInStarted |= signIn;
        if (media) {
            if (callEndpoint == null) {
                callEndpoint = new CallEndpoint(ctx.channel(), calls, metrics);
            }
            if (body == ClientFrame.BodyCase.MEDIA_FRAME) {
                callEndpoint.media(session, requestId, frame.getMediaFrame());
            } else {
                callEndpoint.join(session, requestId, frame.getJoinCallOverWebSocket().getToken().toByteArray());
            }
            return;
        }
        Session current = session;
        Runnable request = () -> run(current, handler, frame);
        if (!handler.neverBlocks(frame) || !current.requests().runNowIfIdle(request)) {
            current.requests().execute(request);
        }
    }

    /** Whether the frame is a Send or SubmitCommit with anything sealed in it. */
    private static boolean anySealed(ClientFrame frame) {
        return switch (frame.getBodyCase()) {
            case SEND -> frame.getSend().getSealed();
            case SUBMIT_COMMIT -> frame.getSubmitCommit().getSend().getSealed() || frame.getSubmitCommit().getWelcome().getSealed();
            default -> false;
        };
    }

    /** Whether every send in the frame is sealed; true for a frame that carries no send. */
    private static boolean allSealed(ClientFrame frame) {
        return switch (frame.getBodyCase()) {
            case SEND -> frame.getSend().getSealed();
            case SUBMIT_COMMIT -> frame.getSubmitCommit().getSend().getSealed()
                    && (!frame.getSubmitCommit().hasWelcome() || frame.getSubmitCommit().getWelcome().getSealed());
            default -> true;
        };
    }

    private void run(Session current, RequestHandler handler, ClientFrame frame) {
        try {
            handler.handle(current, frame);
        } catch (RequestFailure failure) {
            current.fail(frame.getRequestId(), failure.code(), failure.getMessage(), failure.retryAfter());
        } catch (ProtocolViolation violation) {
            current.violation(violation);
        } catch (StoreException e) {
            // A failed transaction was rolled back (a database session ended, the database is briefly
            // away): the same request can go again, and clients retry a limit by themselves.
            log.warn("{} failed in the database; the client is told to retry", frame.getBodyCase(), e);
            current.fail(frame.getRequestId(), ErrorCode.RATE_LIMITED, "the server's database failed; nothing was changed,"
                    + " retry shortly", DATABASE_RETRY);
        } catch (Exception e) {
            log.error("{} failed", frame.getBodyCase(), e);
            current.fail(frame.getRequestId(), ErrorCode.INTERNAL, "the server failed to handle " + frame.getBodyCase() + "; try again");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (session != null && session.delivery() != null) {
            session.delivery().onWritable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (callEndpoint != null) {
            callEndpoint.close();
        }
        if (session != null) {
            registry.remove(session);
            metrics.connectionClosed();
            if (session.delivery() != null) {
                session.delivery().close();
            }
        }
        super.channelInactive(ctx);
    }
}
