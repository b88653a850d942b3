package org.parley.client.conversations;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.mls.group.Group;
import org.parley.mls.group.PendingCommit;
import org.parley.protocol.CommitAuthority;

import java.util.Arrays;

/**
 * The commit key of one epoch of a group (parley.proto SubmitCommit, {@link CommitAuthority}): an
 * Ed25519 key pair (RFC 8032, BouncyCastle) whose seed is MLS-Exporter("parley commit authority
 * v1", "", 32) of that epoch (RFC 9420 section 8.5). Every member of the epoch derives the same key
 * and nobody else can, so the server, which keeps the public half, can tell a member's commit from
 * anyone else's without learning who the members are. Holds a private key: {@code toString} shows none.
 */
final class EpochCommitKey {
    private final Ed25519PrivateKeyParameters privateKey;

    private EpochCommitKey(Ed25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
    }

    /** The key of the epoch {@code group} is in: it signs the commit that ends that epoch. */
    static EpochCommitKey current(Group group) {
        return fromSeed(group.exportSecret(CommitAuthority.LABEL, new byte[0], CommitAuthority.KEY_BYTES));
    }

    /** The key of the epoch {@code pending} leads to: its public half is registered with that commit. */
    static EpochCommitKey next(PendingCommit pending) {
        return fromSeed(pending.exportSecret(CommitAuthority.LABEL, new byte[0], CommitAuthority.KEY_BYTES));
    }

    /** Takes the exported seed and wipes it: only BouncyCastle's copy remains, inside the key object. */
    static EpochCommitKey fromSeed(byte[] seed) {
        try {
            if (seed.length != CommitAuthority.KEY_BYTES) {
                throw new IllegalArgumentException("a commit key seed is " + CommitAuthority.KEY_BYTES + " bytes, got " + seed.length);
            }
            return new EpochCommitKey(new Ed25519PrivateKeyParameters(seed, 0));
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    byte[] publicKey() {
        return privateKey.generatePublicKey().getEncoded();
    }

    byte[] sign(byte[] content) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(content, 0, content.length);
        return signer.generateSignature();
    }

    /** What the server checks: whether {@code signature} over {@code content} is by the key whose public half is {@code publicKey}. */
    static boolean verify(byte[] publicKey, byte[] content, byte[] signature) {
        if (publicKey.length != CommitAuthority.KEY_BYTES || signature.length != CommitAuthority.SIGNATURE_BYTES) {
            return false;
        }
        Ed25519Signer verifier = new Ed25519Signer();
        try {
            verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        } catch (IllegalArgumentException notAPoint) {
            return false;
        }
        verifier.update(content, 0, content.length);
        return verifier.verifySignature(signature);
    }

    @Override
    public String toString() {
        return "EpochCommitKey[private key redacted]";
    }
}
