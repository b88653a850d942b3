package org.parley.client.net;

import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ErrorCode;

import java.time.Duration;

/**
 * The server refused a request; {@link #code()} says why, the message is the server's text for
 * people, and {@link #retryAfter()} when a limit may let the request through again.
 */
public final class ServerException extends RuntimeException {
    private final ErrorCode code;
    private final Duration retryAfter;

    public ServerException(ErrorCode code, String message) {
        this(code, message, Duration.ZERO);
    }

    public ServerException(ErrorCode code, String message, Duration retryAfter) {
        super(message.isEmpty() ? code.name() : message);
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** The exception for an Error frame. */
    public static ServerException of(Error error) {
        return new ServerException(error.getCode(), error.getMessage(), Duration.ofMillis(Math.max(0, error.getRetryAfterMs())));
    }

    public ErrorCode code() {
        return code;
    }

    /** Zero unless the server said when to try again (RATE_LIMITED, MAILBOX_FULL). */
    public Duration retryAfter() {
        return retryAfter;
    }
}
