package org.parley.server.tokens;

import java.time.Duration;

/** The account was issued its whole daily allowance of send tokens; more come with the next UTC day. */
public final class TokenQuotaException extends RuntimeException {
    private final Duration retryAfter;

    public TokenQuotaException(int perDay, Duration retryAfter) {
        super("this account was issued its " + perDay + " send tokens for today; more after midnight UTC", null, false, false);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
