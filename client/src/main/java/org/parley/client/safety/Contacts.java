package org.parley.client.safety;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.local.v1.ContactRecord;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The account key this device pinned for each other username (trust on first use), and whether a
 * person verified it by comparing safety numbers. Another account key (or account id) for a known
 * username is a change: the contact is marked changed and unverified, and when it was verified it
 * also needs acceptance, which blocks sending to it until the person verifies the new key or
 * trusts it ({@link #trust}). New devices of the same account key are not a change: the account
 * signed them.
 */
public final class Contacts {
    /** Usernames (which cannot hold a line break) of contacts needing acceptance, one per line. */
    private static final String NEEDING_ACCEPTANCE = "contacts-needing-acceptance";

    private final ProfileStore store;

    public Contacts(ProfileStore store) {
        this.store = store;
    }

    public enum Observation { FIRST_SEEN, UNCHANGED, CHANGED }

    private static String name(String username) {
        return "contact:" + username;
    }

    /** The record for {@code username}, or null when never seen. */
    public ContactRecord get(String username) {
        byte[] bytes = store.get(name(username));
        if (bytes == null) {
            return null;
        }
        try {
            return ContactRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the stored identity of " + username + " is damaged", e);
        }
    }

    /** The account key pinned for {@code username}, or null when none is. */
    public Bytes pinnedKey(String username) {
        ContactRecord known = get(username);
        return known == null || known.getAccountKey().isEmpty() ? null : Bytes.copyOf(known.getAccountKey().toByteArray());
    }

    /** Records the account (id and key) that {@code username} has now, and says whether it changed. */
    public Observation observe(String username, Bytes accountId, Bytes accountKey) {
        ContactRecord known = get(username);
        ContactRecord.Builder updated;
        Observation observation;
        if (known == null || known.getAccountKey().isEmpty()) {
            // Never seen, or seen only before account keys existed: this is the first sighting of a key.
            updated = (known == null ? ContactRecord.newBuilder().setUsername(username) : known.toBuilder())
                    .setAccountId(ByteString.copyFrom(accountId.asReadOnlyBuffer()))
                    .setAccountKey(ByteString.copyFrom(accountKey.asReadOnlyBuffer()));
            observation = Observation.FIRST_SEEN;
        } else if (accountKey.constantTimeEquals(known.getAccountKey().toByteArray())
                && accountId.constantTimeEquals(known.getAccountId().toByteArray())) {
            return Observation.UNCHANGED;
        } else {
            // The old access key was given by whoever held the old key: it must not serve the new one.
            updated = known.toBuilder().addPreviousAccountKeys(known.getAccountKey())
                    .setAccountId(ByteString.copyFrom(accountId.asReadOnlyBuffer()))
                    .setAccountKey(ByteString.copyFrom(accountKey.asReadOnlyBuffer()))
                    .setChanged(true).setVerified(false).setNeedsAcceptance(known.getVerified() || known.getNeedsAcceptance())
                    .clearAccessKey();
            observation = Observation.CHANGED;
        }
        ContactRecord record = updated.build();
        store.put(name(username), record.toByteArray());
        setNeedsAcceptance(username, record.getNeedsAcceptance());
        return observation;
    }

    /**
     * The contacts that sending waits for: their account key changed after it was verified, and the
     * person has neither verified nor trusted the new one. One read, however many contacts there are.
     */
    public Set<String> needingAcceptance() {
        byte[] bytes = store.get(NEEDING_ACCEPTANCE);
        return bytes == null ? Set.of() : Set.copyOf(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\n")));
    }

    private void setNeedsAcceptance(String username, boolean needed) {
        Set<String> names = new TreeSet<>(needingAcceptance());
        if (needed ? names.add(username) : names.remove(username)) {
            if (names.isEmpty()) {
                store.delete(NEEDING_ACCEPTANCE);
            } else {
                store.put(NEEDING_ACCEPTANCE, String.join("\n", names).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Marks the contact verified (the safety number matched): a change is acknowledged. */
    public void markVerified(String username) {
        store.put(name(username), require(username).toBuilder().setVerified(true).setChanged(false).setNeedsAcceptance(false)
                .build().toByteArray());
        setNeedsAcceptance(username, false);
    }

    /** Accepts the contact's current account key without verifying it: sending is allowed again, the contact stays unverified. */
    public void trust(String username) {
        store.put(name(username), require(username).toBuilder().setVerified(false).setChanged(false).setNeedsAcceptance(false)
                .build().toByteArray());
        setNeedsAcceptance(username, false);
    }

    private ContactRecord require(String username) {
        ContactRecord known = get(username);
        if (known == null || known.getAccountKey().isEmpty()) {
            throw new IllegalArgumentException("no account key known for " + username + "; run 'parley safety-number "
                    + username + "' first");
        }
        return known;
    }

    /** Remembers the contact's sealed-sender access key, learned inside a conversation. */
    public void rememberAccessKey(String username, byte[] accessKey) {
        ContactRecord known = get(username);
        if (known != null) {
            store.put(name(username), known.toBuilder().setAccessKey(ByteString.copyFrom(accessKey)).build().toByteArray());
        }
    }
}
