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
 *
 * <p>A username is the server's to give: a pin is <em>confirmed</em> when the server named the
 * account in answer to a claim by username ({@link #confirm}), or when a person verified it;
 * a pin from a credential seen in a group ({@link #observe}) is not, because a member writes its
 * own username into its credential. A credential never moves a confirmed pin to another account,
 * and the server's answer replaces an unconfirmed pin of another account: that member claimed a
 * name that is not its own.
 */
public final class Contacts {
    /** Usernames (which cannot hold a line break) of contacts needing acceptance, one per line. */
    private static final String NEEDING_ACCEPTANCE = "contacts-needing-acceptance";

    private final ProfileStore store;

    public Contacts(ProfileStore store) {
        this.store = store;
    }

    /**
     * What a sighting of a username's account meant: first seen, unchanged, a changed account key
     * (or, for a confirmed name, another account the server now gives it); {@code IMPERSONATED}: a
     * credential gave the confirmed name to another account, whose claim was ignored;
     * {@code NAME_TAKEN_BACK}: the server gave an unconfirmed name to another account than the
     * credential that claimed it, so that credential's account was an impostor and the pin is now
     * the server's.
     */
    public enum Observation { FIRST_SEEN, UNCHANGED, CHANGED, IMPERSONATED, NAME_TAKEN_BACK }

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

    /** Whether the server named this device's pin for {@code username} (or a person verified it). */
    public boolean nameConfirmed(String username) {
        ContactRecord known = get(username);
        return known != null && confirmed(known);
    }

    /** The account confirmed for {@code username}, or null when its pin (if any) is unconfirmed. */
    public Bytes confirmedAccount(String username) {
        ContactRecord known = get(username);
        return known == null || !confirmed(known) ? null : Bytes.copyOf(known.getAccountId().toByteArray());
    }

    /** A verified pin (and one waiting for acceptance, verified before) is as good as the server's word. */
    private static boolean confirmed(ContactRecord known) {
        return !known.getAccountKey().isEmpty() && (known.getNameConfirmed() || known.getVerified() || known.getNeedsAcceptance());
    }

    /**
     * Records the account (id and key) that a credential seen in a group gives {@code username}, and
     * says whether it changed. Never confirms the name; never moves a confirmed name to another account.
     */
    public Observation observe(String username, Bytes accountId, Bytes accountKey) {
        ContactRecord known = get(username);
        if (known != null && confirmed(known) && !accountId.constantTimeEquals(known.getAccountId().toByteArray())) {
            return Observation.IMPERSONATED;
        }
        return pin(username, known, accountId, accountKey, false);
    }

    /**
     * Records the account (id and key) that the server gave {@code username} in answer to a claim
     * by username: the pin is confirmed. An unconfirmed pin of another account is replaced as a
     * first sighting ({@link Observation#NAME_TAKEN_BACK}): it came from a member's own claim.
     */
    public Observation confirm(String username, Bytes accountId, Bytes accountKey) {
        ContactRecord known = get(username);
        if (known != null && !known.getAccountKey().isEmpty() && !confirmed(known)
                && !accountId.constantTimeEquals(known.getAccountId().toByteArray())) {
            pin(username, null, accountId, accountKey, true);
            return Observation.NAME_TAKEN_BACK;
        }
        return pin(username, known, accountId, accountKey, true);
    }

    private Observation pin(String username, ContactRecord known, Bytes accountId, Bytes accountKey, boolean confirming) {
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
            if (!confirming || known.getNameConfirmed()) {
                return Observation.UNCHANGED;
            }
            updated = known.toBuilder();
            observation = Observation.UNCHANGED;
        } else {
            // The old access key was given by whoever held the old key: it must not serve the new one.
            updated = known.toBuilder().addPreviousAccountKeys(known.getAccountKey())
                    .setAccountId(ByteString.copyFrom(accountId.asReadOnlyBuffer()))
                    .setAccountKey(ByteString.copyFrom(accountKey.asReadOnlyBuffer()))
                    .setChanged(true).setVerified(false).setNeedsAcceptance(known.getVerified() || known.getNeedsAcceptance())
                    .clearAccessKey();
            observation = Observation.CHANGED;
        }
        ContactRecord record = updated.setNameConfirmed(confirming || updated.getNameConfirmed()).build();
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

    /** Marks the contact verified (the safety number matched): a change is acknowledged, and the name is the person's word. */
    public void markVerified(String username) {
        store.put(name(username), require(username).toBuilder().setVerified(true).setChanged(false).setNeedsAcceptance(false)
                .setNameConfirmed(true).build().toByteArray());
        setNeedsAcceptance(username, false);
    }

    /** Accepts the contact's current account key without verifying it: sending is allowed again, the contact stays unverified. */
    public void trust(String username) {
        ContactRecord known = require(username);
        // A name confirmed only by the verification that this change undid stays confirmed.
        store.put(name(username), known.toBuilder().setVerified(false).setChanged(false).setNeedsAcceptance(false)
                .setNameConfirmed(confirmed(known)).build().toByteArray());
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
