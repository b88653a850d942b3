package org.parley.mls.schedule;

import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.Secret;


/**
 * The secrets derived from one epoch's epoch_secret (RFC 9420 Section 8, table "Epoch-Derived
 * Secrets"), plus the MLS-Exporter (Section 8.5). None of them appears in {@code toString}.
 * The epoch_secret itself is not kept: everything derived from it is computed at construction.
 */
public final class EpochSecrets {
    private final CipherSuite suite;
    private final byte[] joinerSecret;
    /** Read for every message sent and received, so held as a {@link Secret} that is handed out without a copy. */
    private final Secret senderDataSecret;
    private final Secret encryptionSecret;
    private final byte[] exporterSecret;
    private final byte[] externalSecret;
    private final byte[] confirmationKey;
    private final byte[] membershipKey;
    private final byte[] resumptionPsk;
    private final byte[] epochAuthenticator;
    private final byte[] initSecret;

    EpochSecrets(CipherSuite suite, byte[] joinerSecret, byte[] epochSecret) {
        this.suite = suite;
        this.joinerSecret = joinerSecret.clone();
        this.senderDataSecret = Secret.copyOf(suite.deriveSecret(epochSecret, "sender data"));
        this.encryptionSecret = Secret.copyOf(suite.deriveSecret(epochSecret, "encryption"));
        this.exporterSecret = suite.deriveSecret(epochSecret, "exporter");
        this.externalSecret = suite.deriveSecret(epochSecret, "external");
        this.confirmationKey = suite.deriveSecret(epochSecret, "confirm");
        this.membershipKey = suite.deriveSecret(epochSecret, "membership");
        this.resumptionPsk = suite.deriveSecret(epochSecret, "resumption");
        this.epochAuthenticator = suite.deriveSecret(epochSecret, "authentication");
        this.initSecret = suite.deriveSecret(epochSecret, "init");
    }

    private EpochSecrets(CipherSuite suite, byte[][] fields) {
        this.suite = suite;
        this.joinerSecret = fields[0];
        this.senderDataSecret = Secret.copyOf(fields[1]);
        this.encryptionSecret = Secret.copyOf(fields[2]);
        this.exporterSecret = fields[3];
        this.externalSecret = fields[4];
        this.confirmationKey = fields[5];
        this.membershipKey = fields[6];
        this.resumptionPsk = fields[7];
        this.epochAuthenticator = fields[8];
        this.initSecret = fields[9];
    }

    /** Writes every secret, for a group's saved state (the group layer encrypts nothing itself: the caller protects the blob). */
    public void writeState(org.parley.mls.codec.TlsWriter w) {
        for (byte[] field : new byte[][] {joinerSecret, senderDataSecret.copyBytes(), encryptionSecret.copyBytes(), exporterSecret, externalSecret,
                confirmationKey, membershipKey, resumptionPsk, epochAuthenticator, initSecret}) {
            w.writeOpaque(field);
        }
    }

    /** Reads what {@link #writeState} wrote. */
    public static EpochSecrets readState(CipherSuite suite, org.parley.mls.codec.TlsReader r) {
        byte[][] fields = new byte[10][];
        for (int i = 0; i < fields.length; i++) {
            int at = r.position();
            fields[i] = r.readOpaque();
            if (fields[i].length != suite.hashLength()) {
                throw new org.parley.mls.codec.DecodeException("saved epoch secret " + i + " has " + fields[i].length
                        + " bytes, not " + suite.hashLength(), at);
            }
        }
        return new EpochSecrets(suite, fields);
    }

    public CipherSuite cipherSuite() {
        return suite;
    }

    public byte[] joinerSecret() {
        return joinerSecret.clone();
    }

    public Secret senderDataSecret() {
        return senderDataSecret;
    }

    public Secret encryptionSecret() {
        return encryptionSecret;
    }

    public byte[] exporterSecret() {
        return exporterSecret.clone();
    }

    public byte[] externalSecret() {
        return externalSecret.clone();
    }

    public byte[] confirmationKey() {
        return confirmationKey.clone();
    }

    public byte[] membershipKey() {
        return membershipKey.clone();
    }

    public byte[] resumptionPsk() {
        return resumptionPsk.clone();
    }

    public byte[] epochAuthenticator() {
        return epochAuthenticator.clone();
    }

    /** init_secret_[n], the input to the next epoch's key schedule. */
    public byte[] initSecret() {
        return initSecret.clone();
    }

    /** The group's external key pair, {@code KEM.DeriveKeyPair(external_secret)}. */
    public HpkeKeyPair externalKeyPair() {
        return KeySchedule.externalKeyPair(suite, externalSecret);
    }

    /** MLS-Exporter(Label, Context, Length) = ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length). */
    public byte[] exporter(String label, byte[] context, int length) {
        return suite.expandWithLabel(suite.deriveSecret(exporterSecret, label), "exported", suite.hash(context), length);
    }

    /** confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash) (Section 6.1). */
    public byte[] confirmationTag(byte[] confirmedTranscriptHash) {
        return suite.mac(confirmationKey, confirmedTranscriptHash);
    }

    /** A fresh secret tree rooted at this epoch's encryption_secret. */
    public SecretTree secretTree(int leafCount) {
        return new SecretTree(suite, encryptionSecret, leafCount);
    }

    @Override
    public String toString() {
        return "EpochSecrets[" + suite + ", secrets redacted]";
    }
}
