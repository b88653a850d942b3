package org.parley.client.account;

import com.google.protobuf.ByteString;
import org.parley.client.net.AddressBook;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerKeyChangedException;
import org.parley.client.store.ProfileStore;
import org.parley.protocol.ServerAnnouncements;
import org.parley.protocol.v1.Challenge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A profile's server addresses and what it trusts of its server: the ordered list (the registered
 * server, then the addresses the user added, then those the server announced, without repeats),
 * the endpoint that signed in last, and the server's pinned key, against which every connection's
 * Challenge is checked before anything is signed for it. A verified announcement newer than the
 * stored one replaces it; an older one (a replay) or one with a bad signature is logged and ignored.
 *
 * <p>Sessions call this on their connecting threads, which must never wait for the profile's lock
 * (a request holding it may be waiting for that very connection): changes are made in memory at
 * once and written by {@link #saveIfChanged} under the lock.
 */
public final class ServerAddresses implements AddressBook {
    private static final Logger log = LoggerFactory.getLogger(ServerAddresses.class);

    private final DeviceIdentity identity;
    private final AtomicBoolean changed = new AtomicBoolean();

    public ServerAddresses(DeviceIdentity identity) {
        this.identity = identity;
    }

    /** Where an endpoint in the list comes from, as {@code parley servers} shows it. */
    public enum Source { REGISTERED, ADDED, ANNOUNCED }

    /** One entry of the list. */
    public record Entry(Endpoint endpoint, Source source, boolean lastWorking) {
    }

    /** The list with where each entry comes from; an address that no longer parses is left out. */
    public List<Entry> entries() {
        ServerAddress home = identity.server();
        Set<Endpoint> seen = new LinkedHashSet<>();
        List<Entry> entries = new ArrayList<>();
        String last = identity.lastWorking();
        add(entries, seen, identity.endpoint(), Source.REGISTERED, last);
        for (String text : identity.extraAddresses()) {
            parse(text, home).ifPresent(endpoint -> add(entries, seen, endpoint, Source.ADDED, last));
        }
        for (String text : identity.announcedAddresses()) {
            parse(text, home).ifPresent(endpoint -> add(entries, seen, endpoint, Source.ANNOUNCED, last));
        }
        return entries;
    }

    private static void add(List<Entry> entries, Set<Endpoint> seen, Endpoint endpoint, Source source, String last) {
        if (seen.add(endpoint)) {
            entries.add(new Entry(endpoint, source, endpoint.toString().equals(last)));
        }
    }

    private static Optional<Endpoint> parse(String text, ServerAddress home) {
        try {
            return Optional.of(Endpoint.parse(text, home));
        } catch (IllegalArgumentException e) {
            log.debug("left out an address that does not parse: {}", e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public List<Endpoint> endpoints() {
        return entries().stream().map(Entry::endpoint).toList();
    }

    @Override
    public Optional<Endpoint> lastWorking() {
        return entries().stream().filter(Entry::lastWorking).map(Entry::endpoint).findFirst();
    }

    @Override
    public void worked(Endpoint endpoint) {
        String text = endpoint.toString();
        if (!text.equals(identity.lastWorking())) {
            identity.edit(record -> record.setLastWorking(text));
            changed.set(true);
        }
    }

    @Override
    public synchronized void checkServer(Challenge challenge) {
        byte[] shown = challenge.getServerKey().toByteArray();
        if (identity.serverKey().length == 0) {
            if (shown.length != ServerAnnouncements.KEY_BYTES) {
                return; // a server from before server keys: nothing to pin, nothing announced
            }
            pin(shown);
            log.info("pinned the server's key at this connection: this profile was made before servers had keys");
        } else if (!MessageDigest.isEqual(identity.serverKey(), shown)) {
            throw new ServerKeyChangedException("it showed a key other than the one this profile pinned");
        }
        ServerAnnouncement.verified(challenge, shown).ifPresent(this::accept);
    }

    /**
     * Pins the key a new device was given (at registration, the server's own; when linked, the
     * approving device's) and checks the Challenge of the connection it came through against it.
     */
    synchronized void pinAtStart(byte[] key, Challenge challenge) {
        if (key.length == ServerAnnouncements.KEY_BYTES) {
            pin(key);
        }
        checkServer(challenge);
    }

    private void pin(byte[] key) {
        identity.edit(record -> record.setServerKey(ByteString.copyFrom(key)));
        changed.set(true);
    }

    private void accept(ServerAnnouncement announcement) {
        long stored = identity.announcedAtMillis();
        if (announcement.issuedAtMillis() > stored) {
            identity.edit(record -> record.clearAnnouncedAddresses().addAllAnnouncedAddresses(announcement.addresses())
                    .setAnnouncedAtMs(announcement.issuedAtMillis()));
            changed.set(true);
            log.info("the server announces {} alternate address(es)", announcement.addresses().size());
        } else if (announcement.issuedAtMillis() < stored) {
            log.warn("ignored an announcement of the server older than the one this profile holds (issued at {} ms, holds {} ms):"
                    + " a replay", announcement.issuedAtMillis(), stored);
        }
    }

    /**
     * Adds {@code text} (a server URL or a bridge link) after the addresses added before, and saves.
     *
     * @return the endpoint as stored
     * @throws IllegalArgumentException when it is neither, or already in the list
     */
    public Endpoint add(ProfileStore store, String text) {
        Endpoint endpoint = Endpoint.parse(text, identity.server());
        if (endpoints().contains(endpoint)) {
            throw new IllegalArgumentException(endpoint + " is in the list already");
        }
        identity.edit(record -> record.addExtraAddresses(endpoint.toString()));
        identity.save(store);
        return endpoint;
    }

    /**
     * Removes an address the user added, named by its number in {@link #entries} (from 1) or as written, and saves.
     *
     * @return the endpoint removed
     * @throws IllegalArgumentException when no added address matches (the registered and announced ones cannot be removed)
     */
    public Endpoint remove(ProfileStore store, String numberOrAddress) {
        List<Entry> entries = entries();
        Entry entry;
        if (numberOrAddress.matches("\\d{1,9}")) {
            int number = Integer.parseInt(numberOrAddress);
            if (number < 1 || number > entries.size()) {
                throw new IllegalArgumentException("there is no address number " + number + "; 'parley servers' lists "
                        + entries.size());
            }
            entry = entries.get(number - 1);
        } else {
            Endpoint endpoint = Endpoint.parse(numberOrAddress, identity.server());
            entry = entries.stream().filter(e -> e.endpoint().equals(endpoint)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(endpoint + " is not in the list"));
        }
        if (entry.source() != Source.ADDED) {
            throw new IllegalArgumentException(entry.endpoint() + (entry.source() == Source.REGISTERED
                    ? " is the address this device registered with" : " was announced by the server")
                    + "; only addresses added with 'parley servers add' can be removed");
        }
        String stored = entry.endpoint().toString();
        identity.edit(record -> {
            List<String> kept = record.getExtraAddressesList().stream()
                    .filter(text -> parse(text, identity.server()).map(e -> !e.toString().equals(stored)).orElse(true)).toList();
            record.clearExtraAddresses().addAllExtraAddresses(kept);
        });
        identity.save(store);
        return entry.endpoint();
    }

    /** Writes what connections changed (a pinned key, an announcement, the last that worked); the caller holds the profile's lock. */
    public void saveIfChanged(ProfileStore store) {
        if (changed.getAndSet(false)) {
            identity.save(store);
        }
    }
}
