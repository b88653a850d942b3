package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.content.v1.AccessKeyShare;
import org.parley.client.local.v1.ConsentList;
import org.parley.client.local.v1.ConsentRecord;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;

import java.util.Optional;

/**
 * Which accounts this account talks to: accepted ones (it started a conversation with them, added
 * them to a group, or accepted their request) and blocked ones (their messages are dropped). Kept
 * by account id, which MLS authenticates, not by username. Also the generation of this account's
 * profile key, which a block rotates, so that its devices adopt the newest key and only that.
 */
final class Consent {
    private static final String STORE_NAME = "consent";
    private static final int PROFILE_KEY_BYTES = 32;

    private final ProfileStore profile;
    private final DeviceIdentity identity;

    Consent(ProfileStore profile, DeviceIdentity identity) {
        this.profile = profile;
        this.identity = identity;
    }

    private ConsentList load() {
        byte[] bytes = profile.get(STORE_NAME);
        try {
            return bytes == null ? ConsentList.getDefaultInstance() : ConsentList.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the list of accepted and blocked accounts in this profile is damaged", e);
        }
    }

    private Optional<ConsentRecord> find(Bytes account) {
        return load().getAccountsList().stream().filter(r -> Bytes.copyOf(r.getAccountId().toByteArray()).equals(account)).findFirst();
    }

    /** The account this profile knows as {@code username}, if it ever decided about it. */
    Optional<Bytes> accountOf(String username) {
        return load().getAccountsList().stream().filter(r -> r.getUsername().equals(username))
                .map(r -> Bytes.copyOf(r.getAccountId().toByteArray())).findFirst();
    }

    /** Whether messages from {@code account} are welcome: this account itself, or accepted and not blocked. */
    boolean accepted(Bytes account) {
        return account.constantTimeEquals(identity.accountId())
                || find(account).map(r -> r.getAccepted() && !r.getBlocked()).orElse(false);
    }

    boolean blocked(Bytes account) {
        return find(account).map(ConsentRecord::getBlocked).orElse(false);
    }

    /** This account talks to {@code account} from now on; a blocked account stays blocked, and unaccepted, until unblocked. */
    void accept(Bytes account, String username) {
        if (!account.constantTimeEquals(identity.accountId())) {
            update(account, username, record -> record.setAccepted(record.getAccepted() || !record.getBlocked()));
        }
    }

    /** Blocking also withdraws the acceptance: unblocking does not bring back what was accepted. */
    void setBlocked(Bytes account, String username, boolean blocked) {
        update(account, username, record -> record.setBlocked(blocked).setAccepted(record.getAccepted() && !blocked));
    }

    private void update(Bytes account, String username, java.util.function.UnaryOperator<ConsentRecord.Builder> change) {
        ConsentList list = load();
        ConsentList.Builder updated = list.toBuilder().clearAccounts();
        boolean found = false;
        for (ConsentRecord record : list.getAccountsList()) {
            if (Bytes.copyOf(record.getAccountId().toByteArray()).equals(account)) {
                record = change.apply(record.toBuilder().setUsername(username)).build();
                found = true;
            }
            updated.addAccounts(record);
        }
        if (!found) {
            updated.addAccounts(change.apply(ConsentRecord.newBuilder()
                    .setAccountId(ByteString.copyFrom(account.asReadOnlyBuffer())).setUsername(username)).build());
        }
        profile.put(STORE_NAME, updated.build().toByteArray());
    }

    /** How many times this account's profile key was rotated, as far as this device knows. */
    long profileKeyGeneration() {
        return load().getProfileKeyGeneration();
    }

    /** Takes a profile key this device made (a rotation) or adopted, with its generation. */
    void replaceProfileKey(byte[] profileKey, long generation) {
        identity.replaceProfileKey(profile, profileKey);
        profile.put(STORE_NAME, load().toBuilder().setProfileKeyGeneration(generation).build().toByteArray());
    }

    /**
     * A profile key that another device of this account shared: a device without one adopts it, and
     * a device holding one adopts only a newer generation, so that a key a block replaced never
     * comes back from a device that has not heard of the rotation yet.
     */
    void adoptOwnProfileKey(AccessKeyShare share) {
        byte[] key = share.getProfileKey().toByteArray();
        if (key.length == PROFILE_KEY_BYTES
                && (identity.profileKey().length == 0 || share.getGeneration() > profileKeyGeneration())) {
            replaceProfileKey(key, share.getGeneration());
        }
    }
}
