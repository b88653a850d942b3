package org.parley.server.accounts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recent answers of the store about devices (their mailbox keys, their owners), so that a send
 * rarely reads the store for them. Bounded (least recently used entries go first), and each entry
 * is trusted for {@code maxAgeNanos} only: this node forgets an entry as soon as it changes what the
 * entry says, another node sharing the database (PostgreSQL) within that time.
 *
 * @param <V> what is known of a device; null is an answer too (a device without a mailbox key)
 */
final class DeviceCache<V> {
    private final int capacity;
    private final long maxAgeNanos;
    private final Map<DeviceId, Entry<V>> entries;
    /** Counts {@link #forget} and {@link #forgetAll} calls, so that a read that began before one is not cached after it. */
    private long forgotten;

    private record Entry<V>(V value, long readAtNanos) {
    }

    DeviceCache(int capacity, long maxAgeNanos) {
        this.capacity = capacity;
        this.maxAgeNanos = maxAgeNanos;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<DeviceId, Entry<V>> eldest) {
                return size() > DeviceCache.this.capacity;
            }
        };
    }

    /**
     * Whether the cache holds a fresh answer for {@code device}; if so, puts it into {@code found}.
     */
    synchronized boolean lookUp(DeviceId device, Map<DeviceId, V> found) {
        Entry<V> entry = entries.get(device);
        if (entry == null) {
            return false;
        }
        if (System.nanoTime() - entry.readAtNanos() > maxAgeNanos) {
            entries.remove(device);
            return false;
        }
        found.put(device, entry.value());
        return true;
    }

    /** To pass to {@link #put}: taken before reading the store. */
    synchronized long generation() {
        return forgotten;
    }

    /**
     * Caches an answer read from the store, unless anything was forgotten since {@code generation}:
     * that read may predate the change.
     */
    synchronized void put(DeviceId device, V value, long readAtNanos, long generation) {
        if (generation == forgotten) {
            entries.put(device, new Entry<>(value, readAtNanos));
        }
    }

    synchronized void forget(DeviceId device) {
        entries.remove(device);
        forgotten++;
    }

    /** For a change that touches devices this node cannot name cheaply (an account's setting). */
    synchronized void forgetAll() {
        entries.clear();
        forgotten++;
    }
}
