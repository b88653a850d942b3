package org.parley.server.session;

import org.parley.protocol.v1.ClientFrame;

/**
 * Serves one kind of ClientFrame body. Runs off the event loop, one request of a connection at a
 * time. Answers through {@link Session#reply}; throws {@link RequestFailure} for refusals and
 * {@link org.parley.server.transport.ProtocolViolation} for invalid fields.
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(Session session, ClientFrame frame) throws Exception;
}
