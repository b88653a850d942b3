package org.parley.client;

import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.attachments.Attachments;
import org.parley.client.keys.KeyPackages;
import org.parley.client.local.v1.ContactRecord;
import org.parley.client.net.Session;
import org.parley.client.safety.Contacts;
import org.parley.client.safety.SafetyNumber;
import org.parley.client.store.ProfileStore;
import org.parley.protocol.v1.ServerFrame;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The SDK's entry point for a registered device: its profile, its signed-in {@link Session} and
 * the services built on them. One instance per profile; the profile store is not thread-safe, so
 * callers use the client from one thread (pushes are handed to the consumer given at open).
 */
public final class ParleyClient implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private final ProfileStore store;
    private final DeviceIdentity identity;
    private final Session session;
    private final SecureRandom random;
    private final KeyPackages keyPackages;
    private final Contacts contacts;
    private final Attachments attachments;

    private ParleyClient(ProfileStore store, DeviceIdentity identity, Session session, SecureRandom random, Duration timeout) {
        this.store = store;
        this.identity = identity;
        this.session = session;
        this.random = random;
        this.keyPackages = new KeyPackages(store, identity, random);
        this.contacts = new Contacts(store);
        this.attachments = new Attachments(session, random, timeout);
    }

    /**
     * Signs the profile's device in. Pushes (Deliver, MailboxDrained) go to {@code pushes}, which
     * must not acknowledge mail it has not processed and persisted.
     */
    public static ParleyClient open(ProfileStore store, SecureRandom random, Duration timeout, Consumer<ServerFrame> pushes) {
        DeviceIdentity identity = DeviceIdentity.load(store);
        Session session = Session.open(identity.server(), identity, timeout, pushes);
        return new ParleyClient(store, identity, session, random, timeout);
    }

    public DeviceIdentity identity() {
        return identity;
    }

    public Session session() {
        return session;
    }

    public ProfileStore store() {
        return store;
    }

    public SecureRandom random() {
        return random;
    }

    public KeyPackages keyPackages() {
        return keyPackages;
    }

    public Contacts contacts() {
        return contacts;
    }

    public Attachments attachments() {
        return attachments;
    }

    /** A safety number together with what this device knows about the contact's keys. */
    public record SafetyReport(String number, Contacts.Observation observation, ContactRecord contact) {
    }

    /**
     * Fetches {@code username}'s current device keys (by claiming and validating one key package per
     * device), records them, and computes the safety number between the two accounts.
     */
    public SafetyReport safetyNumber(String username) {
        List<KeyPackages.Claimed> claimed = KeyPackages.claim(session, username);
        byte[] accountId = claimed.isEmpty() ? new byte[0] : claimed.get(0).member().accountId();
        List<byte[]> theirKeys = claimed.stream().map(KeyPackages.Claimed::identityKey).toList();
        Contacts.Observation observation = contacts.observe(username, accountId, theirKeys);
        List<byte[]> ourKeys = Accounts.devices(session, identity).stream().map(Accounts.DeviceInfo::identityKey).toList();
        String number = SafetyNumber.compute(new SafetyNumber.Side(identity.username(), ourKeys),
                new SafetyNumber.Side(username, theirKeys));
        return new SafetyReport(number, observation, contacts.get(username));
    }

    @Override
    public void close() {
        session.close();
    }
}
