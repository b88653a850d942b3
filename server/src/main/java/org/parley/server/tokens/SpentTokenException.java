package org.parley.server.tokens;

import org.parley.server.storage.StoreRejectedException;

/** The send token was spent before: the send that carries it again is refused and nothing of it stored. */
public final class SpentTokenException extends StoreRejectedException {
    public static final String MESSAGE = "this send token was already used";

    public SpentTokenException() {
        super(MESSAGE);
    }
}
