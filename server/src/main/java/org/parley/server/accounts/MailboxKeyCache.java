package org.parley.server.accounts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recently used mailbox keys by device, so that sealing a send's copies (on a request thread) rarely
 * reads the store. Mailbox keys are public, so holding them in memory discloses nothing. Bounded (least
 * recently used entries go first), and each entry is trusted for {@code maxAgeNanos} only: this node
 * forgets a key as soon as it replaces it or removes the device, another node sharing the database
 * (PostgreSQL) within that time.
 */
final class MailboxKeyCache {
    private final int capacity;
    private final long maxAgeNanos;
    private final Map<DeviceId, Entry> entries;

    /** A device's key as read at {@code readAtNanos}; {@code key} is null for a device without one. */
    private record Entry(byte[] key, long readAtNanos) {
    }

    MailboxKeyCache(int capacity, long maxAgeNanos) {
        this.capacity = capacity;
        this.maxAgeNanos = maxAgeNanos;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<DeviceId, Entry> eldest) {
                return size() > MailboxKeyCache.this.capacity;
            }
        };
    }

    /**
     * Whether the cache holds a fresh answer for {@code device}; if so, puts it into {@code found}
     * (the key, or null for a device known to have none).
     */
    synchronized boolean lookUp(DeviceId device, Map<DeviceId, byte[]> found) {
        Entry entry = entries.get(device);
        if (entry == null) {
            return false;
        }
        if (System.nanoTime() - entry.readAtNanos() > maxAgeNanos) {
            entries.remove(device);
            return false;
        }
        found.put(device, entry.key());
        return true;
    }

    synchronized void put(DeviceId device, byte[] key, long readAtNanos) {
        entries.put(device, new Entry(key, readAtNanos));
    }

    synchronized void forget(DeviceId device) {
        entries.remove(device);
    }
}
