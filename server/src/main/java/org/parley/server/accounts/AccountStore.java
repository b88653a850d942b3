package org.parley.server.accounts;

import java.util.List;
import java.util.Optional;

/**
 * Accounts, their devices and invite codes.
 *
 * <p>Every method is one transaction: it either takes full effect or none. Secrets (access keys,
 * invite codes) are passed in or handed out in clear and stored only as their
 * SHA-256 hash, so a copy of the database does not reveal them; they are high-entropy random
 * values, which makes an unsalted hash sufficient. Dates are UTC days from the store's clock.
 * Database failures throw {@link org.parley.server.storage.StoreException}; refusals throw a
 * subclass of {@link org.parley.server.storage.StoreRejectedException} and change nothing.
 */
public interface AccountStore {

    /** Length of an Ed25519 public key, the only identity key type a device may register. */
    int IDENTITY_KEY_LENGTH = 32;

    /**
     * Creates an account with a random id and its first device, atomically.
     *
     * @param mailboxKey the device's X25519 mailbox public key (32 bytes), to which its mail is sealed
     * @param accessKey the sealed-sender access key (stored hashed), or null for none yet
     * @param inviteCode an invite code to consume in the same transaction, or null when the
     *     server does not require one
     * @throws UsernameTakenException if the (case-folded) username exists
     * @throws InvalidInviteCodeException if {@code inviteCode} is unknown or used; the username
     *     stays free
     * @throws IllegalArgumentException if the identity key is not 32 bytes or the mailbox key is not
     *     a valid X25519 public key
     */
    Registration register(Username username, byte[] identityPublicKey, byte[] mailboxKey, byte[] accessKey, byte[] inviteCode);

    Optional<AccountRecord> account(AccountId account);

    Optional<AccountRecord> findByUsername(Username username);

    Optional<DeviceRecord> device(DeviceId device);

    /** The account's devices, oldest first (by day, then id). Empty for an unknown account. */
    List<DeviceRecord> devices(AccountId account);

    /**
     * Notes that {@code device} connected today: sets the device's last-seen day and its account's
     * last-connection day to today's UTC date. Writes only when the day changed.
     *
     * @throws UnknownDeviceException if the device does not exist
     */
    void recordConnection(DeviceId device);

    /** Replaces the account's sealed-sender access key (stored hashed); null removes it. */
    void setAccessKey(AccountId account, byte[] accessKey);

    /**
     * Whether {@code accessKey} is the account's sealed-sender access key, compared in constant
     * time. False when the account has none or does not exist.
     */
    boolean accessKeyMatches(AccountId account, byte[] accessKey);

    /**
     * Adds a device with the given identity key to the account, as the link flow does once a
     * signed-in device of the account approved it. The server's word that the device belongs to the
     * account is only a hint to clients: they accept a device only with the account key's signature.
     *
     * @throws UnknownAccountException if the account does not exist
     * @throws IllegalArgumentException if the identity key is not 32 bytes or the mailbox key is not
     *     a valid X25519 public key
     */
    DeviceRecord addDevice(AccountId account, byte[] identityPublicKey, byte[] mailboxKey);

    /**
     * {@link #addDevice}, unless the account has {@code maxDevices} already: counted in the same
     * transaction, under a lock on the account's row, so that nodes sharing the database cannot
     * together pass the limit.
     *
     * @throws DeviceLimitException if the account has {@code maxDevices} devices or more (nothing added)
     */
    DeviceRecord addDevice(AccountId account, byte[] identityPublicKey, byte[] mailboxKey, int maxDevices);

    /**
     * Replaces the device's mailbox key: copies stored from now on are sealed to it.
     *
     * @throws UnknownDeviceException if the device does not exist
     * @throws IllegalArgumentException if the key is not a valid X25519 public key
     */
    void setMailboxKey(DeviceId device, byte[] mailboxKey);

    /**
     * The mailbox keys of the given devices, mostly from memory (they are public): a device with no
     * key maps to null, a device that does not exist is absent. A key replaced or a device removed
     * through this store is forgotten at once; through another node sharing the database, within a
     * minute.
     */
    java.util.Map<DeviceId, byte[]> mailboxKeys(java.util.Collection<DeviceId> devices);

    /**
     * Removes a device of the account, with its key packages and pending mail.
     *
     * @return false if the account has no such device (nothing changes)
     */
    boolean removeDevice(AccountId account, DeviceId device);

    /**
     * Sets the account's delivery policy (parley.proto SetDeliveryPolicy): when {@code sealedOnly},
     * unsealed sends to it are refused.
     */
    void setSealedOnly(AccountId account, boolean sealedOnly);

    /** The accounts that own any of {@code devices} (unknown devices are left out), with their delivery policy. */
    List<DeviceOwner> ownersOf(java.util.Collection<DeviceId> devices);

    /** An account that owns a device a send names, and whether it takes sealed sends only. */
    record DeviceOwner(AccountId account, boolean sealedOnly) {
    }

    /** Creates a single-use invite code (returned in clear once, stored hashed). */
    byte[] createInviteCode();
}
