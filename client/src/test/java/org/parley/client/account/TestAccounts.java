package org.parley.client.account;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.client.net.ServerAddress;

import java.security.SecureRandom;

/**
 * Device identities made without a server, for tests of the code that checks certificates: a
 * fresh account (its own account key) or another device of the same account, each certified by
 * the account key exactly as registering and linking do.
 */
public final class TestAccounts {
    private static final ServerAddress NOWHERE = new ServerAddress("127.0.0.1", 1, false);

    private TestAccounts() {
    }

    /** The first device of a new account {@code username}. */
    public static DeviceIdentity newAccount(String username, SecureRandom random) {
        byte[] accountId = new byte[16];
        random.nextBytes(accountId);
        return device(username, accountId, new Ed25519PrivateKeyParameters(random), random);
    }

    /** Another device of {@code existing}'s account, certified by its account key. */
    public static DeviceIdentity anotherDevice(DeviceIdentity existing, SecureRandom random) {
        return device(existing.username(), existing.accountId(), new Ed25519PrivateKeyParameters(existing.accountPrivateKey(), 0),
                random);
    }

    private static DeviceIdentity device(String username, byte[] accountId, Ed25519PrivateKeyParameters accountKey,
                                         SecureRandom random) {
        Ed25519PrivateKeyParameters key = DeviceIdentity.newIdentityKey(random);
        byte[] deviceId = new byte[16];
        random.nextBytes(deviceId);
        byte[] profileKey = new byte[32];
        random.nextBytes(profileKey);
        return DeviceIdentity.create(org.parley.client.net.Endpoint.direct(NOWHERE), username, accountId, deviceId, key, accountKey,
                AccountKey.certify(accountKey, accountId, key.generatePublicKey().getEncoded()), profileKey,
                MailboxKey.generate());
    }
}
