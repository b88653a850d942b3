package org.parley.client.testkit;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.tree.Lifetime;

import java.security.SecureRandom;
import java.util.function.UnaryOperator;

/**
 * What an operator (or anyone) can make without an account's private key: a valid MLS key package
 * for a fresh device key whose credential names any username, account and device, with any account
 * key, and whatever certificate {@code certificate} computes for the device key.
 */
public final class Forgeries {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Forgeries() {
    }

    public static KeyPackageBundle keyPackage(String username, Bytes accountId, Bytes deviceId, Bytes accountKey,
                                              UnaryOperator<byte[]> certificate) {
        Ed25519PrivateKeyParameters device = new Ed25519PrivateKeyParameters(RANDOM);
        byte[] deviceKey = device.generatePublicKey().getEncoded();
        MemberCredential credential = new MemberCredential(username, accountId, deviceId, accountKey,
                Bytes.copyOf(certificate.apply(deviceKey)));
        long now = System.currentTimeMillis() / 1000;
        return KeyPackageBundle.create(KeyPackages.SUITE, credential.toCredential(),
                new SignatureKeyPair(new SignaturePrivateKey(device.getEncoded()), new SignaturePublicKey(deviceKey)),
                new Lifetime(now - 60, now + 3600), KeyPackages.CAPABILITIES, RANDOM);
    }

    /** As {@link #keyPackage} with a random device id. */
    public static KeyPackageBundle keyPackage(String username, Bytes accountId, Bytes accountKey, UnaryOperator<byte[]> certificate) {
        byte[] deviceId = new byte[16];
        RANDOM.nextBytes(deviceId);
        return keyPackage(username, accountId, Bytes.copyOf(deviceId), accountKey, certificate);
    }
}
