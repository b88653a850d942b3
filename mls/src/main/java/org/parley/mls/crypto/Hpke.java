package org.parley.mls.crypto;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;

import java.security.SecureRandom;

/**
 * Hybrid Public Key Encryption, RFC 9180: one KEM, KDF and AEAD combination. Implements the
 * four modes' SetupS/SetupR (Section 5.1), the key schedule, and the single-shot SealBase/OpenBase
 * (Section 6.1) that MLS uses. Instances are immutable and safe to share.
 */
public final class Hpke {
    /** The HPKE modes (RFC 9180 Section 5, Table 1). */
    public enum Mode {
        BASE(0x00), PSK(0x01), AUTH(0x02), AUTH_PSK(0x03);

        private final int id;

        Mode(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        public static Mode fromId(int id) {
            for (Mode m : values()) {
                if (m.id == id) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown HPKE mode " + id);
        }

        boolean usesPsk() {
            return this == PSK || this == AUTH_PSK;
        }

        boolean usesAuth() {
            return this == AUTH || this == AUTH_PSK;
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private final Kem kem;
    private final Kdf kdf;
    private final Aead aead;
    private final byte[] suiteId;

    public Hpke(Kem kem, Kdf kdf, Aead aead) {
        this.kem = kem;
        this.kdf = kdf;
        this.aead = aead;
        this.suiteId = new byte[] {'H', 'P', 'K', 'E', (byte) (kem.id() >>> 8), (byte) kem.id(),
                (byte) (kdf.id() >>> 8), (byte) kdf.id(), (byte) (aead.id() >>> 8), (byte) aead.id()};
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

    /** The sender's side of a set-up context: the encapsulated key to transmit and the context. */
    public record SenderContext(Bytes enc, Context context) {
    }

    /**
     * SetupBaseS/SetupPSKS/SetupAuthS/SetupAuthPSKS (RFC 9180 Section 5.1). {@code psk} and
     * {@code pskId} are empty unless the mode uses a PSK; {@code sender} is null unless it authenticates.
     */
    public SenderContext setupS(Mode mode, HpkePublicKey pkR, byte[] info, byte[] psk, byte[] pskId,
                                HpkeKeyPair sender, SecureRandom random) {
        return setupS(mode, pkR, info, psk, pskId, sender, kem.generateKeyPair(random));
    }

    /** SetupS with a chosen ephemeral key pair: the deterministic form the test vectors need. */
    SenderContext setupS(Mode mode, HpkePublicKey pkR, byte[] info, byte[] psk, byte[] pskId,
                         HpkeKeyPair sender, HpkeKeyPair ephemeral) {
        kem.validatePublicKey(pkR);
        Kem.Encapsulation e = mode.usesAuth() ? kem.authEncap(pkR, requireSender(sender), ephemeral) : kem.encap(pkR, ephemeral);
        return new SenderContext(e.enc(), keySchedule(mode, e.sharedSecret().bytes(), info, psk, pskId));
    }

    /** SetupBaseR/SetupPSKR/SetupAuthR/SetupAuthPSKR (RFC 9180 Section 5.1); {@code pkS} null unless the mode authenticates. */
    public Context setupR(Mode mode, byte[] enc, HpkePrivateKey skR, byte[] info, byte[] psk, byte[] pskId,
                          HpkePublicKey pkS) {
        if (enc.length != kem.publicKeyLength()) {
            throw new MlsProtocolException("HPKE encapsulated key must be " + kem.publicKeyLength() + " bytes, was " + enc.length);
        }
        HpkePublicKey pkR = kem.publicKeyOf(skR);
        byte[] sharedSecret;
        if (mode.usesAuth()) {
            if (pkS == null) {
                throw new IllegalArgumentException("HPKE mode " + mode + " needs the sender's public key");
            }
            sharedSecret = kem.authDecap(enc, skR, pkR, pkS);
        } else {
            sharedSecret = kem.decap(enc, skR, pkR);
        }
        return keySchedule(mode, sharedSecret, info, psk, pskId);
    }

    /** SealBase (RFC 9180 Section 6.1): a fresh ephemeral key, one message. */
    public HpkeCiphertext sealBase(HpkePublicKey pkR, byte[] info, byte[] aad, byte[] plaintext, SecureRandom random) {
        SenderContext s = setupS(Mode.BASE, pkR, info, EMPTY, EMPTY, null, random);
        return new HpkeCiphertext(s.enc(), Bytes.copyOf(s.context().seal(aad, plaintext)));
    }

    /** OpenBase (RFC 9180 Section 6.1); any failure is an {@link MlsProtocolException}. */
    public byte[] openBase(byte[] enc, HpkePrivateKey skR, byte[] info, byte[] aad, byte[] ciphertext) {
        return setupR(Mode.BASE, enc, skR, info, EMPTY, EMPTY, null).open(aad, ciphertext);
    }

    private static HpkeKeyPair requireSender(HpkeKeyPair sender) {
        if (sender == null) {
            throw new IllegalArgumentException("an authenticated HPKE mode needs the sender's key pair");
        }
        return sender;
    }

    /** KeySchedule (RFC 9180 Section 5.1) including VerifyPSKInputs. */
    Context keySchedule(Mode mode, byte[] sharedSecret, byte[] info, byte[] psk, byte[] pskId) {
        boolean gotPsk = psk.length > 0;
        if (gotPsk != (pskId.length > 0)) {
            throw new IllegalArgumentException("HPKE psk and psk_id must both be given or both be empty");
        }
        if (gotPsk != mode.usesPsk()) {
            throw new IllegalArgumentException(gotPsk ? "HPKE mode " + mode + " takes no PSK" : "HPKE mode " + mode + " needs a PSK");
        }
        byte[] pskIdHash = kdf.labeledExtract(suiteId, EMPTY, "psk_id_hash", pskId);
        byte[] infoHash = kdf.labeledExtract(suiteId, EMPTY, "info_hash", info);
        byte[] keyScheduleContext = Kdf.concat(new byte[] {(byte) mode.id()}, pskIdHash, infoHash);
        byte[] secret = kdf.labeledExtract(suiteId, sharedSecret, "secret", psk);
        byte[] key = kdf.labeledExpand(suiteId, secret, "key", keyScheduleContext, aead.keyLength());
        byte[] baseNonce = kdf.labeledExpand(suiteId, secret, "base_nonce", keyScheduleContext, aead.nonceLength());
        byte[] exporterSecret = kdf.labeledExpand(suiteId, secret, "exp", keyScheduleContext, kdf.hashLength());
        return new Context(sharedSecret, keyScheduleContext, secret, key, baseNonce, exporterSecret);
    }

    /**
     * An HPKE encryption context (RFC 9180 Section 5.2): a key, a base nonce, a sequence number
     * and an exporter secret. Not thread-safe: the sequence number advances with each message.
     */
    public final class Context {
        private final byte[] sharedSecret;
        private final byte[] keyScheduleContext;
        private final byte[] secret;
        private final byte[] key;
        private final byte[] baseNonce;
        private final byte[] exporterSecret;
        private long seq;

        private Context(byte[] sharedSecret, byte[] keyScheduleContext, byte[] secret, byte[] key, byte[] baseNonce,
                        byte[] exporterSecret) {
            this.sharedSecret = sharedSecret;
            this.keyScheduleContext = keyScheduleContext;
            this.secret = secret;
            this.key = key;
            this.baseNonce = baseNonce;
            this.exporterSecret = exporterSecret;
        }

        public byte[] seal(byte[] aad, byte[] plaintext) {
            byte[] ct = aead.seal(key, computeNonce(), aad, plaintext);
            incrementSeq();
            return ct;
        }

        public byte[] open(byte[] aad, byte[] ciphertext) {
            byte[] pt = aead.open(key, computeNonce(), aad, ciphertext);
            incrementSeq();
            return pt;
        }

        /** Export(exporter_context, L) (RFC 9180 Section 5.3). */
        public byte[] export(byte[] exporterContext, int length) {
            return kdf.labeledExpand(suiteId, exporterSecret, "sec", exporterContext, length);
        }

        /** base_nonce XOR I2OSP(seq, Nn) (RFC 9180 Section 5.2). */
        byte[] computeNonce() {
            byte[] nonce = baseNonce.clone();
            long s = seq;
            for (int i = nonce.length - 1; i >= 0 && s != 0; i--) {
                nonce[i] ^= (byte) s;
                s >>>= 8;
            }
            return nonce;
        }

        private void incrementSeq() {
            // A 12-byte nonce allows 2^96 messages; a long counter runs out long before, so stop there.
            if (seq == Long.MAX_VALUE) {
                throw new MlsProtocolException("HPKE message limit reached");
            }
            seq++;
        }

        byte[] sharedSecret() {
            return sharedSecret;
        }

        byte[] keyScheduleContext() {
            return keyScheduleContext;
        }

        byte[] secret() {
            return secret;
        }

        byte[] key() {
            return key;
        }

        byte[] baseNonce() {
            return baseNonce;
        }

        byte[] exporterSecret() {
            return exporterSecret;
        }

        @Override
        public String toString() {
            return "Hpke.Context[" + kem + ", " + kdf + ", " + aead + ", seq " + seq + "]";
        }
    }
}
