package org.parley.server.testing;

import com.google.protobuf.ByteString;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.protocol.CommitAuthority;
import org.parley.server.groups.CommitId;
import org.parley.server.groups.GroupCommit;
import org.parley.server.groups.RoutingId;

import java.security.SecureRandom;

/**
 * One epoch's commit key as the group's members hold it (a client derives the seed from the MLS
 * exporter; a test takes a random one, which the server cannot tell apart), signing commits the
 * way parley.proto's SubmitCommit says.
 */
public final class EpochKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Ed25519PrivateKeyParameters key;

    private EpochKey(Ed25519PrivateKeyParameters key) {
        this.key = key;
    }

    public static EpochKey random() {
        return new EpochKey(new Ed25519PrivateKeyParameters(RANDOM));
    }

    public ByteString publicKey() {
        return ByteString.copyFrom(key.generatePublicKey().getEncoded());
    }

    public ByteString sign(byte[] content) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        signer.update(content, 0, content.length);
        return ByteString.copyFrom(signer.generateSignature());
    }

    /** The content a commit signs, for these wire fields. */
    public static byte[] signedContent(byte[] group, long epoch, byte[] commitPayload, byte[] welcomePayload, EpochKey next) {
        return CommitAuthority.signedContent(group, epoch, commitPayload, welcomePayload, next.publicKey().toByteArray());
    }

    /**
     * A commit of {@code epoch} (without Welcome) that registers {@code next}, signed by {@code signer},
     * or unsigned when {@code signer} is null.
     */
    public static GroupCommit commit(RoutingId group, long epoch, CommitId id, byte[] payload, EpochKey signer, EpochKey next) {
        byte[] content = signedContent(group.bytes(), epoch, payload, new byte[0], next);
        return new GroupCommit(group, epoch, id, next.publicKey(), ByteString.copyFrom(content),
                signer == null ? ByteString.EMPTY : signer.sign(content));
    }
}
