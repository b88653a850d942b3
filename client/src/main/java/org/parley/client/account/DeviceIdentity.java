package org.parley.client.account;

import com.google.protobuf.ByteString;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.client.local.v1.DeviceRecord;
import org.parley.client.net.ServerAddress;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.protocol.Auth;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * This device: its server, account, device id, Ed25519 identity key (which signs the server's
 * challenge and, as the MLS signature key, everything this device says in a group) and the
 * account's profile key. Kept sealed in the profile under {@link #STORE_NAME}.
 */
public final class DeviceIdentity implements org.parley.client.net.Session.Credentials {
    static final String STORE_NAME = "device";

    private volatile DeviceRecord record;
    private final Ed25519PrivateKeyParameters identityKey;

    private DeviceIdentity(DeviceRecord record) {
        this.record = record;
        this.identityKey = new Ed25519PrivateKeyParameters(record.getIdentityPrivateKey().toByteArray());
    }

    /** A key pair and profile key for a device that is not registered yet. */
    public static Ed25519PrivateKeyParameters newIdentityKey(SecureRandom random) {
        return new Ed25519PrivateKeyParameters(random);
    }

    static DeviceIdentity create(ServerAddress server, String username, byte[] accountId, byte[] deviceId,
                                 Ed25519PrivateKeyParameters identityKey, byte[] profileKey) {
        return new DeviceIdentity(DeviceRecord.newBuilder().setServer(server.toString()).setUsername(username)
                .setAccountId(ByteString.copyFrom(accountId)).setDeviceId(ByteString.copyFrom(deviceId))
                .setIdentityPrivateKey(ByteString.copyFrom(identityKey.getEncoded()))
                .setProfileKey(ByteString.copyFrom(profileKey)).build());
    }

    /** The identity of the profile's device, or a {@link ProfileException} saying to register first. */
    public static DeviceIdentity load(ProfileStore store) {
        byte[] bytes = store.get(STORE_NAME);
        if (bytes == null) {
            throw new ProfileException("this profile has no registered device yet; run 'parley register USERNAME --server URL'"
                    + " or 'parley link-accept CODE' first");
        }
        try {
            DeviceRecord record = DeviceRecord.parseFrom(bytes);
            if (record.getIdentityPrivateKey().size() != Ed25519PrivateKeyParameters.KEY_SIZE) {
                throw new ProfileException("the device record in this profile is damaged (identity key of "
                        + record.getIdentityPrivateKey().size() + " bytes); register again in another --profile");
            }
            return new DeviceIdentity(record);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new ProfileException("the device record in this profile is damaged; register again in another --profile", e);
        }
    }

    public static boolean isRegistered(ProfileStore store) {
        return store.get(STORE_NAME) != null;
    }

    void save(ProfileStore store) {
        store.put(STORE_NAME, record.toByteArray());
    }

    public ServerAddress server() {
        return ServerAddress.parse(record.getServer());
    }

    public String username() {
        return record.getUsername();
    }

    @Override
    public byte[] accountId() {
        return record.getAccountId().toByteArray();
    }

    @Override
    public byte[] deviceId() {
        return record.getDeviceId().toByteArray();
    }

    public String deviceIdHex() {
        return HexFormat.of().formatHex(deviceId());
    }

    public byte[] publicIdentityKey() {
        return identityKey.generatePublicKey().getEncoded();
    }

    /** The Ed25519 private key, for the MLS layer's signature key pair. */
    public byte[] privateIdentityKey() {
        return identityKey.getEncoded();
    }

    public byte[] profileKey() {
        return record.getProfileKey().toByteArray();
    }

    /**
     * A linked device learns its account's profile key from another device of the account, inside
     * an encrypted conversation; it keeps the first one it gets.
     */
    public void adoptProfileKey(ProfileStore store, byte[] profileKey) {
        if (record.getProfileKey().isEmpty() && profileKey.length == 32) {
            record = record.toBuilder().setProfileKey(ByteString.copyFrom(profileKey)).build();
            save(store);
        }
    }

    /**
     * Replaces the account's profile key: a rotation made on this device (after a block), or a newer
     * one that another device of the account made. The caller checks that it is newer.
     */
    public void replaceProfileKey(ProfileStore store, byte[] profileKey) {
        if (profileKey.length != 32) {
            throw new IllegalArgumentException("a profile key has 32 bytes, not " + profileKey.length);
        }
        record = record.toBuilder().setProfileKey(ByteString.copyFrom(profileKey)).build();
        save(store);
    }

    /** The signature over this connection's challenge (see {@link Auth#signedContent}). */
    @Override
    public byte[] signChallenge(byte[] challenge) {
        return signChallenge(identityKey, challenge);
    }

    static byte[] signChallenge(Ed25519PrivateKeyParameters key, byte[] challenge) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        byte[] content = Auth.signedContent(challenge);
        signer.update(content, 0, content.length);
        return signer.generateSignature();
    }

    @Override
    public String toString() {
        return "DeviceIdentity[" + record.getUsername() + ", device " + deviceIdHex() + "]";
    }
}
