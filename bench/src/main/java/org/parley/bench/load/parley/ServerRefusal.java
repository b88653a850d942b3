package org.parley.bench.load.parley;

import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ErrorCode;

/** The server answered a request with an {@code Error}: its code, and when to try again if it said. */
public final class ServerRefusal extends Exception {

    private final ErrorCode code;
    private final long retryAfterMs;

    public ServerRefusal(String what, Error error) {
        super(what + ": " + error.getCode());
        this.code = error.getCode();
        this.retryAfterMs = error.getRetryAfterMs();
    }

    public ErrorCode code() {
        return code;
    }

    /** The server's hint with {@code RATE_LIMITED} and {@code MAILBOX_FULL}, else 0. */
    public long retryAfterMs() {
        return retryAfterMs;
    }
}
