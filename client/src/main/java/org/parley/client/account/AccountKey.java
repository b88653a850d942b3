package org.parley.client.account;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.protocol.Limits;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An account's identity key (Ed25519) and the device certificates it signs: a signature over
 * {@code "parley-v1-device-certificate" || account_id (16) || device signature key (32)}. The
 * certificate names the device's MLS signature key, not its device id: the approving device signs
 * before the server assigns an id, and the id only routes mail. A device whose key carries no
 * certificate of its account's key is not a device of that account, whatever the server says.
 */
public final class AccountKey {
    public static final int PUBLIC_KEY_BYTES = Ed25519PublicKeyParameters.KEY_SIZE;
    public static final int CERTIFICATE_BYTES = Ed25519PrivateKeyParameters.SIGNATURE_SIZE;
    private static final byte[] LABEL = "parley-v1-device-certificate".getBytes(StandardCharsets.US_ASCII);

    private AccountKey() {
    }

    /** The certificate of {@code deviceKey} as a device of account {@code accountId}. */
    public static byte[] certify(Ed25519PrivateKeyParameters accountKey, byte[] accountId, byte[] deviceKey) {
        byte[] content = signedContent(accountId, deviceKey);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, accountKey);
        signer.update(content, 0, content.length);
        return signer.generateSignature();
    }

    /**
     * Whether {@code certificate} is {@code accountKey}'s signature over {@code deviceKey} as a device
     * of {@code accountId}. Malformed keys or certificates of any length are simply not valid.
     */
    public static boolean certifies(byte[] accountKey, byte[] accountId, byte[] deviceKey, byte[] certificate) {
        if (accountKey.length != PUBLIC_KEY_BYTES || certificate.length != CERTIFICATE_BYTES
                || accountId.length != Limits.ACCOUNT_ID_BYTES || deviceKey.length != PUBLIC_KEY_BYTES) {
            return false;
        }
        Ed25519PublicKeyParameters key;
        try {
            key = new Ed25519PublicKeyParameters(accountKey, 0);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] content = signedContent(accountId, deviceKey);
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(content, 0, content.length);
        return verifier.verifySignature(certificate);
    }

    private static byte[] signedContent(byte[] accountId, byte[] deviceKey) {
        if (accountId.length != Limits.ACCOUNT_ID_BYTES || deviceKey.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("a device certificate covers a 16-byte account id and a 32-byte key");
        }
        return ByteBuffer.allocate(LABEL.length + accountId.length + deviceKey.length).put(LABEL).put(accountId).put(deviceKey).array();
    }
}
