package org.parley.client.tokens;

import java.time.Duration;

/** No send token could be had now; {@link #retryAfter()} says when trying again may help. */
public final class NoTokenException extends RuntimeException {
    private final Duration retryAfter;

    public NoTokenException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
