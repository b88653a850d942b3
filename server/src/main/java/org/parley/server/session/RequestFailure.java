package org.parley.server.session;

import org.parley.protocol.v1.ErrorCode;

import java.time.Duration;

/**
 * A well-formed request the server cannot grant (username taken, mailbox full, wrong access key):
 * answered with an error frame, but not a protocol violation. The message is shown to the client;
 * a limit also says when to try again (parley.proto Error.retry_after_ms).
 */
public final class RequestFailure extends RuntimeException {
    private final ErrorCode code;
    private final Duration retryAfter;

    public RequestFailure(ErrorCode code, String message) {
        this(code, message, Duration.ZERO);
    }

    public RequestFailure(ErrorCode code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** A limit was reached: RATE_LIMITED, to be retried after {@code retryAfter}. */
    public static RequestFailure rateLimited(String message, Duration retryAfter) {
        return new RequestFailure(ErrorCode.RATE_LIMITED, message, retryAfter);
    }

    public ErrorCode code() {
        return code;
    }

    /** When the client may try again; zero when waiting would not help. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
