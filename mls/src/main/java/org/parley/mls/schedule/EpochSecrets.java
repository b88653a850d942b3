package org.parley.mls.schedule;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.Secret;

/**
 * The secrets derived from one epoch's epoch_secret (RFC 9420 Section 8, table "Epoch-Derived
 * Secrets"), plus the MLS-Exporter (Section 8.5). Each is a {@link Secret}, handed out without a
 * copy (the sender data secret is read for every message) and never printed. The epoch_secret
 * itself is not kept: everything derived from it is computed at construction.
 */
public final class EpochSecrets {
    private final CipherSuite suite;
    private final Secret joinerSecret;
    private final Secret senderDataSecret;
    private final Secret encryptionSecret;
    private final Secret exporterSecret;
    private final Secret externalSecret;
    private final Secret confirmationKey;
    private final Secret membershipKey;
    private final Secret resumptionPsk;
    private final Secret epochAuthenticator;
    private final Secret initSecret;

    EpochSecrets(CipherSuite suite, byte[] joinerSecret, byte[] epochSecret) {
        this.suite = suite;
        this.joinerSecret = Secret.copyOf(joinerSecret);
        Secret epoch = Secret.copyOf(epochSecret);
        this.senderDataSecret = suite.deriveSecret(epoch, "sender data");
        this.encryptionSecret = suite.deriveSecret(epoch, "encryption");
        this.exporterSecret = suite.deriveSecret(epoch, "exporter");
        this.externalSecret = suite.deriveSecret(epoch, "external");
        this.confirmationKey = suite.deriveSecret(epoch, "confirm");
        this.membershipKey = suite.deriveSecret(epoch, "membership");
        this.resumptionPsk = suite.deriveSecret(epoch, "resumption");
        this.epochAuthenticator = suite.deriveSecret(epoch, "authentication");
        this.initSecret = suite.deriveSecret(epoch, "init");
        epoch.destroy();
    }

    private EpochSecrets(CipherSuite suite, Secret[] fields) {
        this.suite = suite;
        this.joinerSecret = fields[0];
        this.senderDataSecret = fields[1];
        this.encryptionSecret = fields[2];
        this.exporterSecret = fields[3];
        this.externalSecret = fields[4];
        this.confirmationKey = fields[5];
        this.membershipKey = fields[6];
        this.resumptionPsk = fields[7];
        this.epochAuthenticator = fields[8];
        this.initSecret = fields[9];
    }

    /** Writes every secret, for a group's saved state (the group layer encrypts nothing itself: the caller protects the blob). */
    public void writeState(TlsWriter w) {
        for (Secret field : new Secret[] {joinerSecret, senderDataSecret, encryptionSecret, exporterSecret, externalSecret,
                confirmationKey, membershipKey, resumptionPsk, epochAuthenticator, initSecret}) {
            field.writeOpaque(w);
        }
    }

    /** Reads what {@link #writeState} wrote. */
    public static EpochSecrets readState(CipherSuite suite, TlsReader r) {
        Secret[] fields = new Secret[10];
        for (int i = 0; i < fields.length; i++) {
            int at = r.position();
            fields[i] = Secret.readOpaque(r);
            if (fields[i].length() != suite.hashLength()) {
                throw new DecodeException("saved epoch secret " + i + " has " + fields[i].length()
                        + " bytes, not " + suite.hashLength(), at);
            }
        }
        return new EpochSecrets(suite, fields);
    }

    public CipherSuite cipherSuite() {
        return suite;
    }

    public Secret joinerSecret() {
        return joinerSecret;
    }

    public Secret senderDataSecret() {
        return senderDataSecret;
    }

    public Secret encryptionSecret() {
        return encryptionSecret;
    }

    public Secret exporterSecret() {
        return exporterSecret;
    }

    public Secret externalSecret() {
        return externalSecret;
    }

    public Secret confirmationKey() {
        return confirmationKey;
    }

    public Secret membershipKey() {
        return membershipKey;
    }

    public Secret resumptionPsk() {
        return resumptionPsk;
    }

    public Secret epochAuthenticator() {
        return epochAuthenticator;
    }

    /** init_secret_[n], the input to the next epoch's key schedule. */
    public Secret initSecret() {
        return initSecret;
    }

    /** The group's external key pair, {@code KEM.DeriveKeyPair(external_secret)}. */
    public HpkeKeyPair externalKeyPair() {
        return KeySchedule.externalKeyPair(suite, externalSecret.copyBytes());
    }

    /** MLS-Exporter(Label, Context, Length) = ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length). */
    public byte[] exporter(String label, byte[] context, int length) {
        return suite.expandWithLabel(suite.deriveSecret(exporterSecret, label), "exported", suite.hash(context), length).copyBytes();
    }

    /** confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash) (Section 6.1). */
    public byte[] confirmationTag(byte[] confirmedTranscriptHash) {
        return suite.mac(confirmationKey.copyBytes(), confirmedTranscriptHash);
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
