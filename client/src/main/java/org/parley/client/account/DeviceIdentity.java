package org.parley.client.account;

import com.google.protobuf.ByteString;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.client.local.v1.DeviceRecord;
import org.parley.client.net.BridgeLink;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerAddress;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.protocol.Auth;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * This device: its server, account, device id, Ed25519 identity key (which signs the server's
 * challenge and, as the MLS signature key, everything this device says in a group), the account's
 * Ed25519 identity key that every device of the account holds, the account key's certificate of
 * this device's key ({@link AccountKey}), the account's profile key, and this device's
 * {@link MailboxKey}. Kept sealed in the profile under {@link #STORE_NAME}.
 */
public final class DeviceIdentity implements org.parley.client.net.Session.Credentials {
    static final String STORE_NAME = "device";

    private volatile DeviceRecord record;
    private final Ed25519PrivateKeyParameters identityKey;
    private final Ed25519PrivateKeyParameters accountKey;
    /** Null only in a profile made before mailbox keys: the server stores that device's copies as they were sent. */
    private final MailboxKey mailboxKey;

    private DeviceIdentity(DeviceRecord record) {
        this.record = record;
        this.identityKey = new Ed25519PrivateKeyParameters(record.getIdentityPrivateKey().toByteArray());
        this.accountKey = new Ed25519PrivateKeyParameters(record.getAccountPrivateKey().toByteArray());
        this.mailboxKey = record.getMailboxPublicKey().isEmpty() ? null
                : MailboxKey.of(record.getMailboxPrivateKey().toByteArray(), record.getMailboxPublicKey().toByteArray());
    }

    /** A key pair and profile key for a device that is not registered yet. */
    public static Ed25519PrivateKeyParameters newIdentityKey(SecureRandom random) {
        return new Ed25519PrivateKeyParameters(random);
    }

    /**
     * @throws IllegalArgumentException when {@code certificate} is not the account key's certificate of
     *                                  the identity key for this account (nothing must be saved then)
     */
    static DeviceIdentity create(Endpoint endpoint, String username, byte[] accountId, byte[] deviceId,
                                 Ed25519PrivateKeyParameters identityKey, Ed25519PrivateKeyParameters accountKey,
                                 byte[] certificate, byte[] profileKey, MailboxKey mailboxKey) {
        if (!AccountKey.certifies(accountKey.generatePublicKey().getEncoded(), accountId,
                identityKey.generatePublicKey().getEncoded(), certificate)) {
            throw new IllegalArgumentException("the device certificate does not match this device's key and account");
        }
        return new DeviceIdentity(DeviceRecord.newBuilder().setServer(endpoint.server().toString())
                .setBridge(endpoint.bridge().map(BridgeLink::toString).orElse("")).setUsername(username)
                .setAccountId(ByteString.copyFrom(accountId)).setDeviceId(ByteString.copyFrom(deviceId))
                .setIdentityPrivateKey(ByteString.copyFrom(identityKey.getEncoded()))
                .setAccountPrivateKey(ByteString.copyFrom(accountKey.getEncoded()))
                .setDeviceCertificate(ByteString.copyFrom(certificate))
                .setProfileKey(ByteString.copyFrom(profileKey))
                .setMailboxPrivateKey(ByteString.copyFrom(mailboxKey.privateKey()))
                .setMailboxPublicKey(ByteString.copyFrom(mailboxKey.publicKey())).build());
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
            if (record.getAccountPrivateKey().size() != Ed25519PrivateKeyParameters.KEY_SIZE) {
                throw new ProfileException("this profile was made by an older Parley, before accounts had keys that sign"
                        + " their devices; register or link again in a new --profile");
            }
            DeviceIdentity identity;
            try {
                identity = new DeviceIdentity(record);
            } catch (IllegalArgumentException e) {
                throw new ProfileException("the device record in this profile is damaged (its mailbox key); register or link"
                        + " again in another --profile");
            }
            if (!AccountKey.certifies(identity.accountKey(), identity.accountId(), identity.publicIdentityKey(),
                    identity.deviceCertificate())) {
                throw new ProfileException("the device record in this profile is damaged (its certificate does not match);"
                        + " register or link again in another --profile");
            }
            return identity;
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

    /** The server and the bridge, if any, this device registered or linked through. */
    public Endpoint endpoint() {
        return record.getBridge().isEmpty() ? Endpoint.direct(server())
                : new Endpoint(server(), Optional.of(BridgeLink.parse(record.getBridge())));
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

    /** The account's Ed25519 public key, the same on every device of the account. */
    public byte[] accountKey() {
        return accountKey.generatePublicKey().getEncoded();
    }

    /** The account key's certificate of this device's identity key. */
    public byte[] deviceCertificate() {
        return record.getDeviceCertificate().toByteArray();
    }

    /** Certifies another device's identity key as a device of this account (when linking it). */
    byte[] certify(byte[] deviceKey) {
        return AccountKey.certify(accountKey, accountId(), deviceKey);
    }

    /** The account's private key, for a device being linked (sealed to it, never sent in clear). */
    byte[] accountPrivateKey() {
        return accountKey.getEncoded();
    }

    /** The public mailbox key the server seals this device's copies to; empty in a profile made before mailbox keys. */
    public byte[] mailboxPublicKey() {
        return mailboxKey == null ? new byte[0] : mailboxKey.publicKey();
    }

    /**
     * What another device sent, from the copy the server delivered: opened with this device's
     * mailbox key. A device of a profile made before mailbox keys never gave the server one, so its
     * copies arrive as they were sent.
     *
     * @throws IllegalArgumentException when the copy was not sealed to this device's mailbox key
     */
    public byte[] openMailboxCopy(byte[] delivered) {
        return mailboxKey == null ? delivered : mailboxKey.open(delivered);
    }

    public byte[] profileKey() {
        return record.getProfileKey().toByteArray();
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
