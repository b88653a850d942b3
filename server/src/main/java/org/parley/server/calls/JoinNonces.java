package org.parley.server.calls;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * The nonces of the JOINs the relay accepted within the JOIN time window, so that a captured JOIN
 * cannot be used a second time. A JOIN is accepted only if its time is within {@code windowMillis}
 * of the relay's clock, so a nonce needs keeping for at most twice the window after it was seen;
 * the nonces are kept in two generations of that length, and the older one is dropped whole
 * (each nonce is kept two to four windows). Memory is bounded by {@code capacity} nonces across
 * both generations: when full, new JOINs are refused (fail closed) until a generation expires.
 * Thread-safe; JOINs are rare next to media, so one lock.
 */
final class JoinNonces {
    /** Whether a nonce was new (and is now remembered), seen before, or could not be remembered. */
    enum Outcome { FRESH, REPLAYED, FULL }

    private record Nonce(long high, long low) {
    }

    private final long generationMillis;
    private final int capacity;
    private Set<Nonce> current = new HashSet<>();
    private Set<Nonce> previous = new HashSet<>();
    private long currentSince;

    JoinNonces(long windowMillis, int capacity, long nowMillis) {
        if (windowMillis <= 0 || capacity < 1) {
            throw new IllegalArgumentException("window " + windowMillis + " ms and capacity " + capacity + " must be positive");
        }
        this.generationMillis = 2 * windowMillis;
        this.capacity = capacity;
        this.currentSince = nowMillis;
    }

    /** Remembers {@code nonce} (16 bytes) if it is new, at {@code nowMillis} on the relay's clock. */
    synchronized Outcome firstUse(byte[] nonce, long nowMillis) {
        rotate(nowMillis);
        ByteBuffer in = ByteBuffer.wrap(nonce);
        Nonce key = new Nonce(in.getLong(), in.getLong());
        if (current.contains(key) || previous.contains(key)) {
            return Outcome.REPLAYED;
        }
        if (current.size() + previous.size() >= capacity) {
            return Outcome.FULL;
        }
        current.add(key);
        return Outcome.FRESH;
    }

    private void rotate(long nowMillis) {
        long age = nowMillis - currentSince;
        if (age >= 2 * generationMillis) {
            previous = new HashSet<>();
            current = new HashSet<>();
            currentSince = nowMillis;
        } else if (age >= generationMillis) {
            previous = current;
            current = new HashSet<>();
            currentSince += generationMillis;
        }
    }

    /** Nonces held now, in both generations. */
    synchronized int size() {
        return current.size() + previous.size();
    }
}
