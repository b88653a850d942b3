package org.parley.server.transport;

import org.parley.protocol.v1.ErrorCode;

/**
 * A client broke the protocol (malformed, oversized or out-of-order frame, rate limit). Handlers
 * raise it with {@code fireExceptionCaught}; {@link ViolationPolicy} answers it with an error
 * frame and counts it. The message is for the client and never holds payload bytes.
 */
public final class ProtocolViolation extends RuntimeException {
    private final long requestId;
    private final ErrorCode code;

    public ProtocolViolation(long requestId, ErrorCode code, String message) {
        super(message, null, false, false);
        this.requestId = requestId;
        this.code = code;
    }

    public long requestId() {
        return requestId;
    }

    public ErrorCode code() {
        return code;
    }
}
