package org.parley.server.tokens;

/**
 * A send token whose signature checked out under its day's key; it still has to be spent
 * ({@link TokenAuthority#spend}). Holds only the hash that marks it spent.
 */
public final class VerifiedToken {
    private final long day;
    private final byte[] hash;

    VerifiedToken(long day, byte[] hash) {
        this.day = day;
        this.hash = hash;
    }

    long day() {
        return day;
    }

    byte[] hash() {
        return hash.clone();
    }

    @Override
    public String toString() {
        return "VerifiedToken[day=" + day + "]";
    }
}
