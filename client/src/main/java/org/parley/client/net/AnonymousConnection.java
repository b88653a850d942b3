package org.parley.client.net;

import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * The device's second WebSocket to its server, which never signs in (parley.proto, header): it
 * carries sealed sends, sealed commits and GetTokenKeys, so the server cannot tell which account
 * made them. It is opened on first use, kept open, and reconnects with the same backoff as the
 * signed-in {@link Session}. Frames that would name an account are refused before they leave.
 */
public final class AnonymousConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AnonymousConnection.class);

    private final Endpoint endpoint;
    private final Route route;
    private final Duration timeout;
    private Session link;
    private boolean closed;

    /** Prepares a connection straight to {@code address}; nothing is sent until the first request. */
    public AnonymousConnection(ServerAddress address, Duration timeout) {
        this(Endpoint.direct(address), Route.DIRECT, timeout);
    }

    /** Prepares a connection to {@code endpoint} along {@code route}; nothing is sent until the first request. */
    public AnonymousConnection(Endpoint endpoint, Route route, Duration timeout) {
        this.endpoint = endpoint;
        this.route = route;
        this.timeout = timeout;
    }

    /**
     * Sends a request and returns its single answer.
     *
     * @throws ServerException     when the server answers with an Error
     * @throws ConnectionException when the server cannot be reached or does not answer in time
     */
    public ServerFrame call(ClientFrame.Builder frame) {
        requireAnonymous(frame);
        return link().call(frame);
    }

    /** Sends a request whose answer may span several frames; an Error frame is returned, not thrown. */
    public List<ServerFrame> exchange(ClientFrame.Builder frame, Predicate<List<ServerFrame>> done) {
        requireAnonymous(frame);
        return link().exchange(frame, done);
    }

    /** Only what needs no account may travel here: signing in would tie every sealed send to the account. */
    static void requireAnonymous(ClientFrame.Builder frame) {
        switch (frame.getBodyCase()) {
            case SEND -> {
                if (!frame.getSend().getSealed()) {
                    throw new IllegalArgumentException("an unsealed send needs the signed-in connection");
                }
            }
            case SUBMIT_COMMIT -> {
                if (!frame.getSubmitCommit().getSend().getSealed()) {
                    throw new IllegalArgumentException("an unsealed commit needs the signed-in connection");
                }
            }
            case GET_TOKEN_KEYS, PING -> {
            }
            default -> throw new IllegalArgumentException(frame.getBodyCase() + " does not belong on the anonymous connection");
        }
    }

    private synchronized Session link() {
        if (closed) {
            throw new ConnectionException("the anonymous connection is closed");
        }
        if (link == null) {
            // The server pushes nothing to a connection that never signed in; anything else is ignored.
            link = Session.openAnonymous(endpoint, route, timeout, push -> log.debug("ignored a push on the anonymous connection"));
        }
        return link;
    }

    /** Whether the connection was opened (by a first request) and not closed since. */
    public synchronized boolean isOpen() {
        return link != null && !closed;
    }

    /** Closes the current connection as a network failure would; it reconnects. For tests of recovery. */
    public synchronized void dropConnection() {
        if (link != null) {
            link.dropConnection();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (link != null) {
            link.close();
        }
    }
}
