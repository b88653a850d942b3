package org.parley.client.account;

import com.google.protobuf.InvalidProtocolBufferException;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.parley.client.local.v1.Provisioning;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Hpke;
import org.parley.mls.crypto.HpkeCiphertext;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.HpkePublicKey;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The provisioning message an approving device sends a new one through the server: a
 * {@link Provisioning} (the account's private key, the new device's certificate, the profile key,
 * the account id) sealed with HPKE base mode (RFC 9180 section 6.1: DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-128-GCM; info "parley-v1-provisioning") to the new device's one-time X25519
 * provisioning key. On the wire: enc (32 bytes) || ciphertext. The server forwards it and can
 * neither read nor alter it unnoticed.
 */
final class ProvisioningBox {
    /** The HPKE suite of Parley's MLS cipher suite 0x0001, which is exactly the one wanted here. */
    private static final Hpke HPKE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.hpke();
    private static final byte[] INFO = "parley-v1-provisioning".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_AAD = new byte[0];
    static final int KEY_BYTES = X25519PrivateKeyParameters.KEY_SIZE;
    /** ApproveLink.provisioning's limit on the server. */
    private static final int MAX_BYTES = 4096;

    private ProvisioningBox() {
    }

    /** A one-time X25519 key pair (BouncyCastle) whose public half goes into RequestLink. */
    static X25519PrivateKeyParameters newKey(SecureRandom random) {
        return new X25519PrivateKeyParameters(random);
    }

    static byte[] publicKey(X25519PrivateKeyParameters key) {
        return key.generatePublicKey().getEncoded();
    }

    /**
     * Seals {@code provisioning} to {@code provisioningKey}.
     *
     * @throws IllegalArgumentException when the key is not a usable X25519 public key
     */
    static byte[] seal(Provisioning provisioning, byte[] provisioningKey, SecureRandom random) {
        if (provisioningKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("the new device's provisioning key has " + provisioningKey.length
                    + " bytes instead of " + KEY_BYTES);
        }
        HpkeCiphertext sealed;
        try {
            sealed = HPKE.sealBase(new HpkePublicKey(provisioningKey), INFO, NO_AAD, provisioning.toByteArray(), random);
        } catch (MlsProtocolException e) {
            throw new IllegalArgumentException("the new device's provisioning key is not a valid X25519 key", e);
        }
        byte[] enc = sealed.kemOutput().toByteArray();
        byte[] ciphertext = sealed.ciphertext().toByteArray();
        return ByteBuffer.allocate(enc.length + ciphertext.length).put(enc).put(ciphertext).array();
    }

    /**
     * Opens a provisioning message sealed to {@code key}.
     *
     * @throws LinkRefusedException when it is malformed, was altered, or was sealed to another key
     */
    static Provisioning open(byte[] sealed, X25519PrivateKeyParameters key) {
        if (sealed.length <= KEY_BYTES || sealed.length > MAX_BYTES) {
            throw damaged(null);
        }
        try {
            byte[] plain = HPKE.openBase(Arrays.copyOf(sealed, KEY_BYTES), new HpkePrivateKey(key.getEncoded()), INFO, NO_AAD,
                    Arrays.copyOfRange(sealed, KEY_BYTES, sealed.length));
            return Provisioning.parseFrom(plain);
        } catch (MlsProtocolException | InvalidProtocolBufferException e) {
            throw damaged(e);
        }
    }

    private static LinkRefusedException damaged(Exception cause) {
        return new LinkRefusedException("the approval that reached this device cannot be opened (damaged or altered on the way);"
                + " nothing was saved: run 'parley link' again", cause);
    }
}
