package org.parley.client.net;

import org.parley.protocol.v1.ErrorCode;

/** The server refused a request; {@link #code()} says why, the message is the server's text for people. */
public final class ServerException extends RuntimeException {
    private final ErrorCode code;

    public ServerException(ErrorCode code, String message) {
        super(message.isEmpty() ? code.name() : message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
