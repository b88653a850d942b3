package org.parley.client.safety;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.local.v1.ContactRecord;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The identity keys this device has seen for other accounts (trust on first use) and whether a
 * person verified them by comparing safety numbers. A key that appears after the first sighting is
 * a change: the contact is marked changed and unverified until verified again, and callers show it
 * loudly. A device that disappears is not a change (people remove devices).
 */
public final class Contacts {
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

    /** Records the keys seen now for {@code username}'s devices and says whether they changed. */
    public Observation observe(String username, byte[] accountId, List<byte[]> identityKeys) {
        List<byte[]> sorted = identityKeys.stream().sorted(Comparator.comparing((byte[] k) -> k, Arrays::compareUnsigned)).toList();
        ContactRecord known = get(username);
        ContactRecord.Builder updated = known == null ? ContactRecord.newBuilder().setUsername(username)
                .setAccountId(ByteString.copyFrom(accountId)) : known.toBuilder();
        Observation observation;
        if (known == null) {
            observation = Observation.FIRST_SEEN;
        } else {
            boolean newKey = sorted.stream().anyMatch(key -> known.getIdentityKeysList().stream()
                    .noneMatch(old -> Arrays.equals(old.toByteArray(), key)));
            boolean otherAccount = !Arrays.equals(known.getAccountId().toByteArray(), accountId);
            observation = newKey || otherAccount ? Observation.CHANGED : Observation.UNCHANGED;
            if (observation == Observation.CHANGED) {
                updated.setVerified(false).setChanged(true).addAllPreviousKeys(known.getIdentityKeysList())
                        .setAccountId(ByteString.copyFrom(accountId));
            }
        }
        updated.clearIdentityKeys();
        sorted.forEach(key -> updated.addIdentityKeys(ByteString.copyFrom(key)));
        store.put(name(username), updated.build().toByteArray());
        return observation;
    }

    /** Marks the contact verified (the safety number matched): a change is acknowledged. */
    public void markVerified(String username) {
        ContactRecord known = get(username);
        if (known == null) {
            throw new IllegalArgumentException("no identity known for " + username + "; run 'parley safety-number " + username + "' first");
        }
        store.put(name(username), known.toBuilder().setVerified(true).setChanged(false).build().toByteArray());
    }

    /** Remembers the contact's sealed-sender access key, learned inside a conversation. */
    public void rememberAccessKey(String username, byte[] accessKey) {
        ContactRecord known = get(username);
        if (known != null) {
            store.put(name(username), known.toBuilder().setAccessKey(ByteString.copyFrom(accessKey)).build().toByteArray());
        }
    }
}
