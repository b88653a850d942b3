package org.parley.server.session;

import org.parley.protocol.v1.ErrorCode;

/**
 * A well-formed request the server cannot grant (username taken, mailbox full, wrong access key):
 * answered with an error frame, but not a protocol violation. The message is shown to the client.
 */
public final class RequestFailure extends RuntimeException {
    private final ErrorCode code;

    public RequestFailure(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
