package org.parley.mls.schedule;

import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.Hpke;
import org.parley.mls.crypto.Secret;

import java.security.SecureRandom;

/**
 * The MLS key schedule (RFC 9420 Section 8): from the previous epoch's init_secret, the commit
 * secret, the PSK secret and the new GroupContext to the joiner, welcome and epoch secrets.
 *
 * <pre>
 * joiner_secret = ExpandWithLabel(Extract(init_secret_[n-1], commit_secret), "joiner", GroupContext_[n], Nh)
 * member_secret = Extract(joiner_secret, psk_secret)          (the IKM is psk_secret, the salt joiner_secret)
 * welcome_secret = DeriveSecret(member_secret, "welcome")
 * epoch_secret  = ExpandWithLabel(member_secret, "epoch", GroupContext_[n], Nh)
 * </pre>
 */
public final class KeySchedule {
    /** The label of the HPKE export that carries an external joiner's init_secret (Section 8.3). */
    static final byte[] EXTERNAL_INIT_LABEL = "MLS 1.0 external init secret".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private KeySchedule() {
    }

    /** joiner_secret for the epoch whose GroupContext is {@code context}. */
    public static byte[] joinerSecret(CipherSuite suite, byte[] previousInitSecret, byte[] commitSecret, GroupContext context) {
        byte[] prk = suite.extract(previousInitSecret, commitSecret);
        return suite.expandWithLabel(prk, "joiner", context.toBytes(), suite.hashLength());
    }

    /** The intermediate secret {@code KDF.Extract(joiner_secret, psk_secret)} from which welcome and epoch secrets come. */
    private static byte[] memberSecret(CipherSuite suite, byte[] joinerSecret, byte[] pskSecret) {
        return suite.extract(joinerSecret, pskSecret == null ? new byte[suite.hashLength()] : pskSecret);
    }

    /** welcome_secret; a null psk_secret means no PSKs (the all-zero vector). */
    public static byte[] welcomeSecret(CipherSuite suite, byte[] joinerSecret, byte[] pskSecret) {
        return suite.deriveSecret(memberSecret(suite, joinerSecret, pskSecret), "welcome");
    }

    /** welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk) (Section 12.4.3.1). */
    public static byte[] welcomeKey(CipherSuite suite, byte[] welcomeSecret) {
        return suite.expandWithLabel(welcomeSecret, "key", new byte[0], suite.aeadKeyLength());
    }

    /** welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn) (Section 12.4.3.1). */
    public static byte[] welcomeNonce(CipherSuite suite, byte[] welcomeSecret) {
        return suite.expandWithLabel(welcomeSecret, "nonce", new byte[0], suite.aeadNonceLength());
    }

    /** The epoch's secrets from its joiner_secret (what a new member learns from a Welcome). */
    public static EpochSecrets fromJoinerSecret(CipherSuite suite, byte[] joinerSecret, byte[] pskSecret, GroupContext context) {
        byte[] epochSecret = suite.expandWithLabel(memberSecret(suite, joinerSecret, pskSecret), "epoch", context.toBytes(),
                suite.hashLength());
        return new EpochSecrets(suite, joinerSecret, epochSecret);
    }

    /** The epoch's secrets from the previous init_secret and this epoch's commit secret (what a member computes). */
    public static EpochSecrets fromInitSecret(CipherSuite suite, byte[] previousInitSecret, byte[] commitSecret,
                                              byte[] pskSecret, GroupContext context) {
        return fromJoinerSecret(suite, joinerSecret(suite, previousInitSecret, commitSecret, context), pskSecret, context);
    }

    /** The sender side of external initialisation: kem_output for the ExternalInit proposal, and init_secret (Section 8.3). */
    public record ExternalInit(Bytes kemOutput, Secret initSecret) {
    }

    /** {@code SetupBaseS(external_pub, "")} then {@code export("MLS 1.0 external init secret", Nh)}. */
    public static ExternalInit externalInit(CipherSuite suite, HpkePublicKey externalPub, SecureRandom random) {
        Hpke.SenderContext s = suite.hpke().setupS(Hpke.Mode.BASE, externalPub, new byte[0], new byte[0], new byte[0], null, random);
        return new ExternalInit(s.enc(), Secret.copyOf(s.context().export(EXTERNAL_INIT_LABEL, suite.hashLength())));
    }

    /** The group's side: {@code SetupBaseR(kem_output, external_priv, "")} then the same export. */
    public static byte[] externalInitSecret(CipherSuite suite, HpkePrivateKey externalPriv, byte[] kemOutput) {
        return suite.hpke().setupR(Hpke.Mode.BASE, kemOutput, externalPriv, new byte[0], new byte[0], new byte[0], null)
                .export(EXTERNAL_INIT_LABEL, suite.hashLength());
    }

    /** external_priv, external_pub = KEM.DeriveKeyPair(external_secret). */
    static HpkeKeyPair externalKeyPair(CipherSuite suite, byte[] externalSecret) {
        return suite.deriveHpkeKeyPair(externalSecret);
    }
}
