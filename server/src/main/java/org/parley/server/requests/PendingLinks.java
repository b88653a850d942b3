package org.parley.server.requests;

import com.google.protobuf.ByteString;
import org.parley.protocol.DeviceLinkCode;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * New devices waiting for a signed-in device to approve their link code. Held in memory only and
 * keyed by the SHA-256 of the code, so the code itself is never kept; an entry is taken once,
 * dropped when it expires or its connection closes, and their number is bounded.
 *
 * @param <W> the waiting device's connection
 */
final class PendingLinks<W> {
    /**
     * One waiting device: its connection, the identity key it proved it holds, and the key it wants
     * its provisioning message sealed to.
     */
    record Pending<W>(W waiter, ByteString identityKey, ByteString provisioningKey, Instant expires) {
        @Override
        public String toString() {
            return "Pending[expires " + expires + "]";
        }
    }

    private final Map<ByteBuffer, Pending<W>> byCodeDigest = new ConcurrentHashMap<>();
    private final Duration validity;
    private final int maxPending;
    private final Clock clock;
    private final Predicate<W> waiting;

    /** @param waiting whether a connection still waits (a closed or already signed-in one does not) */
    PendingLinks(Duration validity, int maxPending, Clock clock, Predicate<W> waiting) {
        this.validity = validity;
        this.maxPending = maxPending;
        this.clock = clock;
        this.waiting = waiting;
    }

    /** Remembers {@code waiter} under a fresh code; null when too many devices are waiting. */
    Pending<W> add(String code, W waiter, ByteString identityKey, ByteString provisioningKey) {
        evictStale();
        if (byCodeDigest.size() >= maxPending) {
            return null;
        }
        Pending<W> pending = new Pending<>(waiter, identityKey, provisioningKey, clock.instant().plus(validity));
        byCodeDigest.put(key(code), pending);
        return pending;
    }

    /** Removes and returns the still valid request for {@code canonicalCode}, or null. */
    Pending<W> take(String canonicalCode) {
        return valid(byCodeDigest.remove(key(canonicalCode)));
    }

    /** The still valid request for {@code canonicalCode}, left in place for {@link #take}; or null. */
    Pending<W> peek(String canonicalCode) {
        return valid(byCodeDigest.get(key(canonicalCode)));
    }

    private Pending<W> valid(Pending<W> pending) {
        if (pending == null || !clock.instant().isBefore(pending.expires()) || !waiting.test(pending.waiter())) {
            return null;
        }
        return pending;
    }

    int size() {
        return byCodeDigest.size();
    }

    void evictStale() {
        Instant now = clock.instant();
        byCodeDigest.values().removeIf(p -> !now.isBefore(p.expires()) || !waiting.test(p.waiter()));
    }

    private static ByteBuffer key(String code) {
        return ByteBuffer.wrap(DeviceLinkCode.digest(DeviceLinkCode.canonical(code)));
    }
}
