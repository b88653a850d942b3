package org.parley.server.transport;

import org.parley.protocol.v1.ErrorCode;

import java.time.Duration;

/**
 * A client broke the protocol (malformed, oversized or out-of-order frame, rate limit). Handlers
 * raise it with {@code fireExceptionCaught}; {@link ViolationPolicy} answers it with an error
 * frame and counts it. The message is for the client and never holds payload bytes.
 */
public final class ProtocolViolation extends RuntimeException {
    private final long requestId;
    private final ErrorCode code;
    private final Duration retryAfter;

    public ProtocolViolation(long requestId, ErrorCode code, String message) {
        this(requestId, code, message, Duration.ZERO);
    }

    /** A violation of a rate limit, which says when the client may send again (Error.retry_after_ms). */
    public ProtocolViolation(long requestId, ErrorCode code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.requestId = requestId;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public long requestId() {
        return requestId;
    }

    public ErrorCode code() {
        return code;
    }

    /** Zero unless waiting helps. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
