package org.parley.server.session;

import org.parley.protocol.v1.ClientFrame;

/**
 * Serves one kind of ClientFrame body. Runs off the event loop, one request of a connection at a
 * time, unless {@link #neverBlocks} says this frame may be served on the event loop. Answers through {@link Session#reply}; throws {@link RequestFailure} for refusals and
 * {@link org.parley.server.transport.ProtocolViolation} for invalid fields.
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(Session session, ClientFrame frame) throws Exception;

    /** True when serving {@code frame} touches no store and takes no lock that may be held long. */
    default boolean neverBlocks(ClientFrame frame) {
        return false;
    }

    /** A handler that never blocks on the frames {@code when} accepts. */
    static RequestHandler nonBlocking(java.util.function.Predicate<ClientFrame> when, RequestHandler handler) {
        return new RequestHandler() {
            @Override
            public void handle(Session session, ClientFrame frame) throws Exception {
                handler.handle(session, frame);
            }

            @Override
            public boolean neverBlocks(ClientFrame frame) {
                return when.test(frame);
            }
        };
    }
}
