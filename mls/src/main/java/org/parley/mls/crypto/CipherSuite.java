package org.parley.mls.crypto;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsWriter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The MLS cipher suites 0x0001..0x0007 (RFC 9420 Section 5.1 and 17.1) and the operations MLS
 * builds on them: Hash, MAC, KDF, ExpandWithLabel and DeriveSecret (Section 8), DeriveTreeSecret
 * (Section 9), RefHash (Section 5.2), SignWithLabel/VerifyWithLabel (Section 5.1.2),
 * EncryptWithLabel/DecryptWithLabel (Section 5.1.3), AEAD and HPKE (RFC 9180).
 *
 * <p>Every operation is a pure function of its arguments; randomness comes from the caller's
 * {@link SecureRandom}.
 */
public enum CipherSuite {
    MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519(0x0001, Kem.DHKEM_X25519_HKDF_SHA256, Kdf.HKDF_SHA256, Aead.AES_128_GCM, SignatureScheme.ED25519),
    MLS_128_DHKEMP256_AES128GCM_SHA256_P256(0x0002, Kem.DHKEM_P256_HKDF_SHA256, Kdf.HKDF_SHA256, Aead.AES_128_GCM, SignatureScheme.ECDSA_SECP256R1_SHA256),
    MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519(0x0003, Kem.DHKEM_X25519_HKDF_SHA256, Kdf.HKDF_SHA256, Aead.CHACHA20_POLY1305, SignatureScheme.ED25519),
    MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448(0x0004, Kem.DHKEM_X448_HKDF_SHA512, Kdf.HKDF_SHA512, Aead.AES_256_GCM, SignatureScheme.ED448),
    MLS_256_DHKEMP521_AES256GCM_SHA512_P521(0x0005, Kem.DHKEM_P521_HKDF_SHA512, Kdf.HKDF_SHA512, Aead.AES_256_GCM, SignatureScheme.ECDSA_SECP521R1_SHA512),
    MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448(0x0006, Kem.DHKEM_X448_HKDF_SHA512, Kdf.HKDF_SHA512, Aead.CHACHA20_POLY1305, SignatureScheme.ED448),
    MLS_256_DHKEMP384_AES256GCM_SHA384_P384(0x0007, Kem.DHKEM_P384_HKDF_SHA384, Kdf.HKDF_SHA384, Aead.AES_256_GCM, SignatureScheme.ECDSA_SECP384R1_SHA384);

    private static final byte[] MLS_PREFIX = "MLS 1.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private final int id;
    private final Kem kem;
    private final Kdf kdf;
    private final Aead aead;
    private final SignatureScheme signatureScheme;
    private final Hpke hpke;

    CipherSuite(int id, Kem kem, Kdf kdf, Aead aead, SignatureScheme signatureScheme) {
        this.id = id;
        this.kem = kem;
        this.kdf = kdf;
        this.aead = aead;
        this.signatureScheme = signatureScheme;
        this.hpke = new Hpke(kem, kdf, aead);
    }

    /** The suite with this code point; an unknown one is a protocol error (it comes from the wire). */
    public static CipherSuite fromId(int id) {
        for (CipherSuite suite : values()) {
            if (suite.id == id) {
                return suite;
            }
        }
        throw new MlsProtocolException("unsupported MLS cipher suite 0x" + String.format("%04x", id));
    }

    public int id() {
        return id;
    }

    public Kem kem() {
        return kem;
    }

    public Kdf kdf() {
        return kdf;
    }

    public Aead aead() {
        return aead;
    }

    public SignatureScheme signatureScheme() {
        return signatureScheme;
    }

    public Hpke hpke() {
        return hpke;
    }

    /** KDF.Nh: the hash and secret length. */
    public int hashLength() {
        return kdf.hashLength();
    }

    /** AEAD.Nk. */
    public int aeadKeyLength() {
        return aead.keyLength();
    }

    /** AEAD.Nn. */
    public int aeadNonceLength() {
        return aead.nonceLength();
    }

    // --- Hash, MAC, KDF (Section 5.1) ---

    public byte[] hash(byte[] data) {
        return kdf.hash(data);
    }

    public byte[] mac(byte[] key, byte[] data) {
        return kdf.mac(key, data);
    }

    /** Checks a MAC in constant time. */
    public boolean verifyMac(byte[] key, byte[] data, byte[] tag) {
        return MessageDigest.isEqual(mac(key, data), tag);
    }

    public byte[] extract(byte[] salt, byte[] ikm) {
        return kdf.extract(salt, ikm);
    }

    public byte[] expand(byte[] prk, byte[] info, int length) {
        return kdf.expand(prk, info, length);
    }

    /**
     * ExpandWithLabel(Secret, Label, Context, Length) = KDF.Expand(Secret, KDFLabel, Length) with
     * {@code struct { uint16 length; opaque label<V> = "MLS 1.0 " + Label; opaque context<V>; } KDFLabel}
     * (Section 8).
     */
    public byte[] expandWithLabel(byte[] secret, String label, byte[] context, int length) {
        return expandWithLabel(secret, label.getBytes(StandardCharsets.UTF_8), context, length);
    }

    /** ExpandWithLabel with a label given as bytes (the exporter's label is application-chosen opaque data). */
    public byte[] expandWithLabel(byte[] secret, byte[] label, byte[] context, int length) {
        byte[] kdfLabel = new TlsWriter(16 + label.length + context.length)
                .writeUint16(length)
                .writeOpaque(mlsLabel(label))
                .writeOpaque(context)
                .toByteArray();
        return kdf.expand(secret, kdfLabel, length);
    }

    /** DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh) (Section 8). */
    public byte[] deriveSecret(byte[] secret, String label) {
        return expandWithLabel(secret, label, EMPTY, kdf.hashLength());
    }

    /** ExpandWithLabel of a {@link Secret}, read in place; the result is a secret too, wrapped without a copy. */
    public Secret expandWithLabel(Secret secret, String label, byte[] context, int length) {
        return Secret.owning(expandWithLabel(secret.bytes(), label, context, length));
    }

    /** DeriveSecret of a {@link Secret}, as a secret. */
    public Secret deriveSecret(Secret secret, String label) {
        return expandWithLabel(secret, label, EMPTY, kdf.hashLength());
    }

    /** DeriveTreeSecret(Secret, Label, Generation, Length) with a uint32 generation as context (Section 9). */
    public Secret deriveTreeSecret(Secret secret, String label, long generation, int length) {
        if (generation < 0 || generation > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("generation " + generation + " is not a uint32");
        }
        return expandWithLabel(secret, label, new TlsWriter(4).writeUint32(generation).toByteArray(), length);
    }

    // --- References (Section 5.2) ---

    /** RefHash(label, value) = Hash(struct { opaque label<V>; opaque value<V>; }). */
    public byte[] refHash(String label, byte[] value) {
        byte[] input = new TlsWriter(label.length() + value.length + 8)
                .writeOpaque(label.getBytes(StandardCharsets.UTF_8))
                .writeOpaque(value)
                .toByteArray();
        return hash(input);
    }

    /** MakeKeyPackageRef(value) over an encoded KeyPackage. */
    public byte[] makeKeyPackageRef(byte[] encodedKeyPackage) {
        return refHash("MLS 1.0 KeyPackage Reference", encodedKeyPackage);
    }

    /** MakeProposalRef(value) over an encoded AuthenticatedContent carrying a proposal. */
    public byte[] makeProposalRef(byte[] encodedAuthenticatedContent) {
        return refHash("MLS 1.0 Proposal Reference", encodedAuthenticatedContent);
    }

    // --- Signatures (Section 5.1.2) ---

    public SignatureKeyPair generateSignatureKeyPair(SecureRandom random) {
        return signatureScheme.generateKeyPair(random);
    }

    public SignaturePublicKey signaturePublicKey(SignaturePrivateKey key) {
        return signatureScheme.publicKeyOf(key);
    }

    /** SignWithLabel: signs {@code struct { opaque label<V> = "MLS 1.0 " + Label; opaque content<V>; } SignContent}. */
    public byte[] signWithLabel(SignaturePrivateKey key, String label, byte[] content) {
        return signatureScheme.sign(key, labeledContent(label, content));
    }

    /** VerifyWithLabel: true when {@code signature} is valid over the SignContent. */
    public boolean verifyWithLabel(SignaturePublicKey key, String label, byte[] content, byte[] signature) {
        return signatureScheme.verify(key, labeledContent(label, content), signature);
    }

    // --- Public key encryption (Section 5.1.3) ---

    public HpkeKeyPair generateHpkeKeyPair(SecureRandom random) {
        return kem.generateKeyPair(random);
    }

    /** KEM.DeriveKeyPair(ikm) (RFC 9180 Section 7.1.3). */
    public HpkeKeyPair deriveHpkeKeyPair(byte[] ikm) {
        return kem.deriveKeyPair(ikm);
    }

    public HpkePublicKey hpkePublicKey(HpkePrivateKey key) {
        return kem.publicKeyOf(key);
    }

    /**
     * EncryptWithLabel(PublicKey, Label, Context, Plaintext) = SealBase(PublicKey, EncryptContext, "", Plaintext)
     * with {@code struct { opaque label<V> = "MLS 1.0 " + Label; opaque context<V>; } EncryptContext}.
     */
    public HpkeCiphertext encryptWithLabel(HpkePublicKey key, String label, byte[] context, byte[] plaintext,
                                           SecureRandom random) {
        return hpke.sealBase(key, labeledContent(label, context), EMPTY, plaintext, random);
    }

    /** DecryptWithLabel; a wrong key or modified ciphertext is an {@link MlsProtocolException}. */
    public byte[] decryptWithLabel(HpkePrivateKey key, String label, byte[] context, byte[] kemOutput, byte[] ciphertext) {
        return hpke.openBase(kemOutput, key, labeledContent(label, context), EMPTY, ciphertext);
    }

    public byte[] decryptWithLabel(HpkePrivateKey key, String label, byte[] context, HpkeCiphertext ciphertext) {
        return decryptWithLabel(key, label, context, ciphertext.kemOutput().toByteArray(), ciphertext.ciphertext().toByteArray());
    }

    /** HPKE SealBase with this suite's algorithms (RFC 9180 Section 6.1). */
    public HpkeCiphertext hpkeSealBase(HpkePublicKey key, byte[] info, byte[] aad, byte[] plaintext, SecureRandom random) {
        return hpke.sealBase(key, info, aad, plaintext, random);
    }

    /** HPKE OpenBase with this suite's algorithms (RFC 9180 Section 6.1). */
    public byte[] hpkeOpenBase(HpkePrivateKey key, byte[] kemOutput, byte[] info, byte[] aad, byte[] ciphertext) {
        return hpke.openBase(kemOutput, key, info, aad, ciphertext);
    }

    // --- AEAD (Section 5.1) ---

    public byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        return aead.seal(key, nonce, aad, plaintext);
    }

    public byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) {
        return aead.open(key, nonce, aad, ciphertext);
    }

    /** AEAD.Seal with a {@link Secret} key, read in place (the per-message path of Section 6.3.1). */
    public byte[] seal(Secret key, byte[] nonce, byte[] aad, byte[] plaintext) {
        return aead.seal(key.bytes(), nonce, aad, plaintext);
    }

    /** AEAD.Open with a {@link Secret} key, read in place. */
    public byte[] open(Secret key, byte[] nonce, byte[] aad, byte[] ciphertext) {
        return aead.open(key.bytes(), nonce, aad, ciphertext);
    }

    /** {@code struct { opaque label<V> = "MLS 1.0 " + Label; opaque X<V>; }}: SignContent and EncryptContext. */
    private static byte[] labeledContent(String label, byte[] content) {
        return new TlsWriter(16 + label.length() + content.length)
                .writeOpaque(mlsLabel(label))
                .writeOpaque(content)
                .toByteArray();
    }

    private static byte[] mlsLabel(String label) {
        return mlsLabel(label.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] mlsLabel(byte[] label) {
        byte[] out = new byte[MLS_PREFIX.length + label.length];
        System.arraycopy(MLS_PREFIX, 0, out, 0, MLS_PREFIX.length);
        System.arraycopy(label, 0, out, MLS_PREFIX.length, label.length);
        return out;
    }
}
