package org.parley.mls.crypto;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.RawAgreement;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.agreement.X448Agreement;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.crypto.params.X448PrivateKeyParameters;
import org.bouncycastle.crypto.params.X448PublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The DHKEMs of RFC 9180 Section 4.1 (identifiers in Section 7.1): Encap/Decap, AuthEncap/AuthDecap,
 * DeriveKeyPair (Section 7.1.3) and key (de)serialisation (Section 7.1.1, 7.1.2). The
 * Diffie-Hellman itself is BouncyCastle's.
 */
public enum Kem {
    DHKEM_P256_HKDF_SHA256(0x0010, Kdf.HKDF_SHA256, new NistCurve("secp256r1", 32, 0xff)),
    DHKEM_P384_HKDF_SHA384(0x0011, Kdf.HKDF_SHA384, new NistCurve("secp384r1", 48, 0xff)),
    DHKEM_P521_HKDF_SHA512(0x0012, Kdf.HKDF_SHA512, new NistCurve("secp521r1", 66, 0x01)),
    DHKEM_X25519_HKDF_SHA256(0x0020, Kdf.HKDF_SHA256, MontgomeryCurve.x25519()),
    DHKEM_X448_HKDF_SHA512(0x0021, Kdf.HKDF_SHA512, MontgomeryCurve.x448());

    private final int id;
    private final Kdf kdf;
    private final DhGroup group;
    private final byte[] suiteId;

    Kem(int id, Kdf kdf, DhGroup group) {
        this.id = id;
        this.kdf = kdf;
        this.group = group;
        this.suiteId = new byte[] {'K', 'E', 'M', (byte) (id >>> 8), (byte) id};
    }

    public int id() {
        return id;
    }

    /** Nsecret: the length of the shared secret, the KEM's KDF's Nh. */
    public int secretLength() {
        return kdf.hashLength();
    }

    /** Nenc = Npk: the length of an encapsulated key and of a serialised public key. */
    public int publicKeyLength() {
        return group.publicKeyLength();
    }

    /** Nsk: the length of a serialised private key. */
    public int privateKeyLength() {
        return group.privateKeyLength();
    }

    public static Kem fromId(int id) {
        for (Kem kem : values()) {
            if (kem.id == id) {
                return kem;
            }
        }
        throw new IllegalArgumentException("unsupported HPKE KEM id 0x" + Integer.toHexString(id));
    }

    /** GenerateKeyPair: DeriveKeyPair over Nsk fresh random bytes, as RFC 9180 Section 7.1.3 allows. */
    public HpkeKeyPair generateKeyPair(SecureRandom random) {
        byte[] ikm = new byte[group.privateKeyLength()];
        random.nextBytes(ikm);
        return deriveKeyPair(ikm);
    }

    /** DeriveKeyPair(ikm) (RFC 9180 Section 7.1.3). */
    public HpkeKeyPair deriveKeyPair(byte[] ikm) {
        byte[] dkpPrk = kdf.labeledExtract(suiteId, new byte[0], "dkp_prk", ikm);
        byte[] sk = group.deriveSecretKey(this, dkpPrk);
        return new HpkeKeyPair(new HpkePrivateKey(sk), new HpkePublicKey(group.publicKeyOf(sk)));
    }

    /** The public key of a private key; fails on a malformed private key. */
    public HpkePublicKey publicKeyOf(HpkePrivateKey privateKey) {
        checkedPrivate(privateKey);
        return privateKey.derived(this, sk -> new HpkePublicKey(group.publicKeyOf(sk)));
    }

    /** Checks a received public key (DeserializePublicKey plus the curve checks of RFC 9180 Section 7.1.4). */
    public void validatePublicKey(HpkePublicKey publicKey) {
        group.checkPublicKey(publicKey.raw());
    }

    /** Encap(pkR) with the given ephemeral key pair: returns the shared secret and enc. */
    Encapsulation encap(HpkePublicKey pkR, HpkeKeyPair ephemeral) {
        byte[] dh = group.dh(checkedPrivate(ephemeral.privateKey()), pkR.raw());
        byte[] enc = ephemeral.publicKey().raw();
        return new Encapsulation(Secret.owning(extractAndExpand(dh, Kdf.concat(enc, pkR.raw()))), Bytes.copyOf(enc));
    }

    /** Decap(enc, skR); pkR is the public key of skR. */
    byte[] decap(byte[] enc, HpkePrivateKey skR, HpkePublicKey pkR) {
        byte[] dh = group.dh(checkedPrivate(skR), enc);
        return extractAndExpand(dh, Kdf.concat(enc, pkR.raw()));
    }

    /** AuthEncap(pkR, skS) with the given ephemeral key pair. */
    Encapsulation authEncap(HpkePublicKey pkR, HpkeKeyPair sender, HpkeKeyPair ephemeral) {
        byte[] dh = Kdf.concat(group.dh(checkedPrivate(ephemeral.privateKey()), pkR.raw()),
                group.dh(checkedPrivate(sender.privateKey()), pkR.raw()));
        byte[] enc = ephemeral.publicKey().raw();
        byte[] kemContext = Kdf.concat(enc, pkR.raw(), sender.publicKey().raw());
        return new Encapsulation(Secret.owning(extractAndExpand(dh, kemContext)), Bytes.copyOf(enc));
    }

    /** AuthDecap(enc, skR, pkS). */
    byte[] authDecap(byte[] enc, HpkePrivateKey skR, HpkePublicKey pkR, HpkePublicKey pkS) {
        byte[] sk = checkedPrivate(skR);
        byte[] dh = Kdf.concat(group.dh(sk, enc), group.dh(sk, pkS.raw()));
        return extractAndExpand(dh, Kdf.concat(enc, pkR.raw(), pkS.raw()));
    }

    /** The KEM shared secret and enc, the encapsulated key sent to the recipient (a public value). */
    record Encapsulation(Secret sharedSecret, Bytes enc) {
    }

    private byte[] extractAndExpand(byte[] dh, byte[] kemContext) {
        byte[] eaePrk = kdf.labeledExtract(suiteId, new byte[0], "eae_prk", dh);
        return kdf.labeledExpand(suiteId, eaePrk, "shared_secret", kemContext, kdf.hashLength());
    }

    private byte[] checkedPrivate(HpkePrivateKey key) {
        byte[] sk = key.raw();
        if (sk.length != group.privateKeyLength()) {
            throw new MlsProtocolException(this + " private key must be " + group.privateKeyLength() + " bytes, was " + sk.length);
        }
        return sk;
    }

    /** One Diffie-Hellman group with the RFC 9180 serialisations. */
    private interface DhGroup {
        int publicKeyLength();

        int privateKeyLength();

        byte[] deriveSecretKey(Kem kem, byte[] dkpPrk);

        byte[] publicKeyOf(byte[] sk);

        void checkPublicKey(byte[] pk);

        /** DH(sk, pk): the shared secret, failing with {@link MlsProtocolException} on an invalid public key. */
        byte[] dh(byte[] sk, byte[] pk);
    }

    /** P-256, P-384, P-521: uncompressed SEC1 points, big-endian scalars (RFC 9180 Section 7.1.1). */
    private static final class NistCurve implements DhGroup {
        private final ECDomainParameters domain;
        private final int scalarLength;
        private final int bitmask;
        private final String name;

        NistCurve(String name, int scalarLength, int bitmask) {
            X9ECParameters x9 = CustomNamedCurves.getByName(name);
            this.domain = new ECDomainParameters(x9);
            this.scalarLength = scalarLength;
            this.bitmask = bitmask;
            this.name = name;
        }

        @Override
        public int publicKeyLength() {
            return 1 + 2 * scalarLength;
        }

        @Override
        public int privateKeyLength() {
            return scalarLength;
        }

        @Override
        public byte[] deriveSecretKey(Kem kem, byte[] dkpPrk) {
            for (int counter = 0; counter < 256; counter++) {
                byte[] bytes = kem.kdf.labeledExpand(kem.suiteId, dkpPrk, "candidate", new byte[] {(byte) counter}, scalarLength);
                bytes[0] &= (byte) bitmask;
                BigInteger sk = new BigInteger(1, bytes);
                if (sk.signum() != 0 && sk.compareTo(domain.getN()) < 0) {
                    return bytes;
                }
            }
            throw new IllegalStateException("DeriveKeyPair found no valid " + name + " scalar (probability ~2^-256)");
        }

        @Override
        public byte[] publicKeyOf(byte[] sk) {
            return new FixedPointCombMultiplier().multiply(domain.getG(), scalar(sk)).getEncoded(false);
        }

        @Override
        public void checkPublicKey(byte[] pk) {
            point(pk);
        }

        @Override
        public byte[] dh(byte[] sk, byte[] pk) {
            ECDHBasicAgreement agreement = new ECDHBasicAgreement();
            agreement.init(new ECPrivateKeyParameters(scalar(sk), domain));
            BigInteger x;
            try {
                x = agreement.calculateAgreement(new ECPublicKeyParameters(point(pk), domain));
            } catch (IllegalStateException e) {
                throw new MlsProtocolException(name + " Diffie-Hellman produced the point at infinity");
            }
            return BigIntegers.asUnsignedByteArray(scalarLength, x);
        }

        private BigInteger scalar(byte[] sk) {
            BigInteger d = new BigInteger(1, sk);
            if (d.signum() == 0 || d.compareTo(domain.getN()) >= 0) {
                throw new MlsProtocolException(name + " private key is not a scalar in [1, n-1]");
            }
            return d;
        }

        private ECPoint point(byte[] pk) {
            if (pk.length != publicKeyLength() || pk[0] != 0x04) {
                throw new MlsProtocolException(name + " public key must be an uncompressed point of " + publicKeyLength()
                        + " bytes, was " + pk.length + " bytes");
            }
            try {
                ECPoint p = domain.getCurve().decodePoint(pk);
                return domain.validatePublicPoint(p);
            } catch (IllegalArgumentException e) {
                throw new MlsProtocolException(name + " public key is not a valid curve point");
            }
        }
    }

    /**
     * X25519 and X448 (RFC 7748): raw keys of one fixed size; an all-zero shared secret (a
     * small-order public key) is rejected, as RFC 9180 Section 7.1.4 requires.
     */
    private static final class MontgomeryCurve implements DhGroup {
        private final String name;
        private final int keySize;
        private final Function<byte[], AsymmetricKeyParameter> privateKey;
        private final Function<byte[], AsymmetricKeyParameter> publicKey;
        private final Function<byte[], byte[]> publicKeyOf;
        private final Supplier<RawAgreement> agreement;

        MontgomeryCurve(String name, int keySize, Function<byte[], AsymmetricKeyParameter> privateKey,
                        Function<byte[], AsymmetricKeyParameter> publicKey, Function<byte[], byte[]> publicKeyOf,
                        Supplier<RawAgreement> agreement) {
            this.name = name;
            this.keySize = keySize;
            this.privateKey = privateKey;
            this.publicKey = publicKey;
            this.publicKeyOf = publicKeyOf;
            this.agreement = agreement;
        }

        static MontgomeryCurve x25519() {
            return new MontgomeryCurve("X25519", X25519PublicKeyParameters.KEY_SIZE,
                    sk -> new X25519PrivateKeyParameters(sk, 0), pk -> new X25519PublicKeyParameters(pk, 0),
                    sk -> new X25519PrivateKeyParameters(sk, 0).generatePublicKey().getEncoded(), X25519Agreement::new);
        }

        static MontgomeryCurve x448() {
            return new MontgomeryCurve("X448", X448PublicKeyParameters.KEY_SIZE,
                    sk -> new X448PrivateKeyParameters(sk, 0), pk -> new X448PublicKeyParameters(pk, 0),
                    sk -> new X448PrivateKeyParameters(sk, 0).generatePublicKey().getEncoded(), X448Agreement::new);
        }

        @Override
        public int publicKeyLength() {
            return keySize;
        }

        @Override
        public int privateKeyLength() {
            return keySize;
        }

        @Override
        public byte[] deriveSecretKey(Kem kem, byte[] dkpPrk) {
            return kem.kdf.labeledExpand(kem.suiteId, dkpPrk, "sk", new byte[0], keySize);
        }

        @Override
        public byte[] publicKeyOf(byte[] sk) {
            return publicKeyOf.apply(sk);
        }

        @Override
        public void checkPublicKey(byte[] pk) {
            if (pk.length != keySize) {
                throw new MlsProtocolException(name + " public key must be " + keySize + " bytes, was " + pk.length);
            }
        }

        @Override
        public byte[] dh(byte[] sk, byte[] pk) {
            checkPublicKey(pk);
            RawAgreement a = agreement.get();
            a.init(privateKey.apply(sk));
            byte[] out = new byte[a.getAgreementSize()];
            try {
                a.calculateAgreement(publicKey.apply(pk), out, 0);
            } catch (IllegalStateException e) {
                throw new MlsProtocolException(name + " public key is a small-order point (all-zero shared secret)");
            }
            return out;
        }
    }
}
