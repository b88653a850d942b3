package org.parley.mls.framing;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.SecretTree;
import org.parley.mls.schedule.SecretTree.RatchetKey;
import org.parley.mls.schedule.SecretTree.RatchetType;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code PrivateMessage} (RFC 9420 Section 6.3): signed and encrypted content. Content encryption
 * (Section 6.3.1) uses a key and nonce from the sender's ratchet in the secret tree, the nonce
 * XORed with a random 4-byte reuse guard, and zero padding; sender data encryption (Section 6.3.2)
 * hides the sender's leaf index and generation under a key derived from a sample of the ciphertext.
 *
 * <pre>
 * struct {
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     ContentType content_type;
 *     opaque authenticated_data&lt;V&gt;;
 *     opaque encrypted_sender_data&lt;V&gt;;
 *     opaque ciphertext&lt;V&gt;;
 * } PrivateMessage;
 * </pre>
 */
public record PrivateMessage(Bytes groupId, long epoch, ContentType contentType, byte[] authenticatedData,
                             byte[] encryptedSenderData, byte[] ciphertext) implements MlsMessage.Body {
    private static final int REUSE_GUARD_LENGTH = 4;

    public PrivateMessage {
        Objects.requireNonNull(groupId, "groupId");
        authenticatedData = authenticatedData.clone();
        encryptedSenderData = encryptedSenderData.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] authenticatedData() {
        return authenticatedData.clone();
    }

    @Override
    public byte[] encryptedSenderData() {
        return encryptedSenderData.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.MLS_PRIVATE_MESSAGE;
    }

    /** {@code struct { uint32 leaf_index; uint32 generation; opaque reuse_guard[4]; } SenderData;} */
    public record SenderData(int leafIndex, long generation, Bytes reuseGuard) {
        public SenderData {
            if (reuseGuard.length() != REUSE_GUARD_LENGTH) {
                throw new IllegalArgumentException("reuse_guard is 4 bytes");
            }
        }

        byte[] encode() {
            return new TlsWriter(12).writeUint32(leafIndex).writeUint32(generation).writeFixed(reuseGuard).toByteArray();
        }

        static SenderData decode(byte[] bytes) {
            return TlsReader.decodeExactly(bytes, r -> {
                int at = r.position();
                long leaf = r.readUint32();
                if (leaf > Integer.MAX_VALUE) {
                    throw new DecodeException("SenderData leaf_index " + leaf + " is beyond any tree", at);
                }
                return new SenderData((int) leaf, r.readUint32(), r.readFixedBytes(REUSE_GUARD_LENGTH, "reuse_guard"));
            }, "SenderData");
        }
    }

    /**
     * Encrypts signed content from a member with the next key of its ratchet. {@code paddingLength}
     * zero bytes are appended to the content before encryption to hide its length.
     */
    public static PrivateMessage protect(CipherSuite suite, AuthenticatedContent authenticated, SecretTree tree,
                                         Secret senderDataSecret, int paddingLength, SecureRandom random) {
        FramedContent content = authenticated.content();
        if (authenticated.wireFormat() != WireFormat.MLS_PRIVATE_MESSAGE) {
            throw new IllegalArgumentException("content signed for " + authenticated.wireFormat() + " cannot be sent as a PrivateMessage");
        }
        if (!(content.sender() instanceof Sender.Member member)) {
            throw new IllegalArgumentException("only members send PrivateMessages, not " + content.sender());
        }
        if (paddingLength < 0) {
            throw new IllegalArgumentException("padding length " + paddingLength + " is negative");
        }
        RatchetKey key = tree.nextEncryptionKey(member.leafIndex(), ratchetFor(content.contentType()));
        byte[] reuseGuard = new byte[REUSE_GUARD_LENGTH];
        random.nextBytes(reuseGuard);

        TlsWriter plaintext = new TlsWriter(content.body().length + 128 + paddingLength);
        FramedContent.writeBody(plaintext, content.contentType(), content.body());
        authenticated.auth().writeTo(plaintext, content.contentType());
        plaintext.writeFixed(new byte[paddingLength]);
        byte[] aad = contentAad(content.groupId(), content.epoch(), content.contentType(), content.authenticatedData());
        byte[] ciphertext = suite.seal(key.key(), guardedNonce(key.nonce(), reuseGuard), aad, plaintext.toByteArray());
        // Section 9.2: a key is deleted once used; the tree kept no reference to this one.
        key.key().destroy();
        key.nonce().destroy();

        byte[] senderData = new SenderData(member.leafIndex(), key.generation(), Bytes.copyOf(reuseGuard)).encode();
        byte[] senderDataAad = senderDataAad(content.groupId(), content.epoch(), content.contentType());
        byte[] encryptedSenderData = suite.seal(senderDataKey(suite, senderDataSecret, ciphertext),
                senderDataNonce(suite, senderDataSecret, ciphertext), senderDataAad, senderData);
        return new PrivateMessage(content.groupId(), content.epoch(), content.contentType(), content.authenticatedData(),
                encryptedSenderData, ciphertext);
    }

    /**
     * Checks the group id and epoch against {@code context}, decrypts the sender data and the
     * content, and returns the AuthenticatedContent. The used key is deleted from the secret tree
     * only after the content decrypted, so a forgery cannot destroy a genuine message's key. The
     * caller still checks that the sender's leaf is not blank and verifies the signature with its
     * key ({@link AuthenticatedContent#requireValidSignature}).
     *
     * @throws DecryptionFailedException when the sender data or the content does not decrypt
     */
    public AuthenticatedContent unprotect(CipherSuite suite, SecretTree tree, Secret senderDataSecret,
                                          GroupContext context, HandshakeContentReader bodies) {
        context.requireMessageFor(groupId, epoch);
        return unprotect(suite, tree, decryptSenderData(suite, senderDataSecret), context, bodies);
    }

    /**
     * Decrypts the sender data (Section 6.3.2): who sent the message and with which generation of
     * its ratchet, so that a receiver can look at its ratchet before decrypting the content.
     *
     * @throws DecryptionFailedException when it does not decrypt with this sender_data_secret
     */
    public SenderData decryptSenderData(CipherSuite suite, Secret senderDataSecret) {
        byte[] senderDataPlain;
        try {
            senderDataPlain = suite.open(senderDataKey(suite, senderDataSecret, ciphertext),
                    senderDataNonce(suite, senderDataSecret, ciphertext), senderDataAad(groupId, epoch, contentType),
                    encryptedSenderData);
        } catch (MlsProtocolException e) {
            throw new DecryptionFailedException("PrivateMessage sender data does not decrypt: wrong epoch or group, or tampered", -1);
        }
        return SenderData.decode(senderDataPlain);
    }

    /**
     * The rest of {@link #unprotect(CipherSuite, SecretTree, Secret, GroupContext, HandshakeContentReader)}
     * once the sender data is decrypted: the content, with the key of the sender's ratchet.
     *
     * @throws DecryptionFailedException when the content does not decrypt with that key
     */
    public AuthenticatedContent unprotect(CipherSuite suite, SecretTree tree, SenderData senderData, GroupContext context,
                                          HandshakeContentReader bodies) {
        context.requireMessageFor(groupId, epoch);
        RatchetType ratchet = ratchetFor(contentType);
        RatchetKey key = tree.decryptionKey(senderData.leafIndex(), ratchet, senderData.generation());
        byte[] plaintext;
        try {
            plaintext = suite.open(key.key(), guardedNonce(key.nonce(), senderData.reuseGuard().toByteArray()),
                    contentAad(groupId, epoch, contentType, authenticatedData), ciphertext);
        } catch (MlsProtocolException e) {
            throw new DecryptionFailedException("PrivateMessage content from leaf " + senderData.leafIndex() + " generation "
                    + senderData.generation() + " does not decrypt: wrong key or tampered ciphertext", senderData.leafIndex());
        }
        tree.consume(senderData.leafIndex(), ratchet, senderData.generation());

        TlsReader r = new TlsReader(plaintext);
        byte[] body = bodies.readBody(contentType, r);
        FramedContentAuthData auth = FramedContentAuthData.read(r, contentType);
        while (r.hasRemaining()) {
            int at = r.position();
            if (r.readUint8() != 0) {
                throw new DecodeException("PrivateMessageContent padding must be all zero bytes", at);
            }
        }
        FramedContent content = new FramedContent(groupId, epoch, new Sender.Member(senderData.leafIndex()),
                authenticatedData, contentType, body);
        return new AuthenticatedContent(WireFormat.MLS_PRIVATE_MESSAGE, content, auth);
    }

    /** The ratchet of the secret tree that a message of this content type uses (Section 9.1). */
    public static RatchetType ratchetFor(ContentType type) {
        return type == ContentType.APPLICATION ? RatchetType.APPLICATION : RatchetType.HANDSHAKE;
    }

    /** The key-schedule nonce with its first four bytes XORed with the reuse guard. */
    private static byte[] guardedNonce(Secret nonce, byte[] reuseGuard) {
        byte[] out = nonce.copyBytes();
        for (int i = 0; i < REUSE_GUARD_LENGTH; i++) {
            out[i] ^= reuseGuard[i];
        }
        return out;
    }

    /** ciphertext_sample = ciphertext[0..KDF.Nh-1], or the whole ciphertext when shorter. */
    private static byte[] sample(CipherSuite suite, byte[] ciphertext) {
        return Arrays.copyOf(ciphertext, Math.min(ciphertext.length, suite.hashLength()));
    }

    /** sender_data_key = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk). */
    public static Secret senderDataKey(CipherSuite suite, Secret senderDataSecret, byte[] ciphertext) {
        return suite.expandWithLabel(senderDataSecret, "key", sample(suite, ciphertext), suite.aeadKeyLength());
    }

    /** sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn). */
    public static byte[] senderDataNonce(CipherSuite suite, Secret senderDataSecret, byte[] ciphertext) {
        return suite.expandWithLabel(senderDataSecret, "nonce", sample(suite, ciphertext), suite.aeadNonceLength()).copyBytes();
    }

    /** PrivateContentAAD. */
    private static byte[] contentAad(Bytes groupId, long epoch, ContentType type, byte[] authenticatedData) {
        return new TlsWriter().writeOpaque(groupId).writeUint64(epoch).writeUint8(type.id()).writeOpaque(authenticatedData)
                .toByteArray();
    }

    /** SenderDataAAD. */
    private static byte[] senderDataAad(Bytes groupId, long epoch, ContentType type) {
        return new TlsWriter().writeOpaque(groupId).writeUint64(epoch).writeUint8(type.id()).toByteArray();
    }

    @Override
    public void writeTo(TlsWriter w) {
        w.writeOpaque(groupId).writeUint64(epoch).writeUint8(contentType.id()).writeOpaque(authenticatedData)
                .writeOpaque(encryptedSenderData).writeOpaque(ciphertext);
    }

    public static PrivateMessage read(TlsReader r) {
        Bytes groupId = r.readOpaqueBytes();
        long epoch = r.readUint64();
        ContentType type = ContentType.read(r);
        return new PrivateMessage(groupId, epoch, type, r.readOpaque(), r.readOpaque(), r.readOpaque());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrivateMessage p && epoch == p.epoch && contentType == p.contentType
                && groupId.equals(p.groupId) && Arrays.equals(authenticatedData, p.authenticatedData)
                && Arrays.equals(encryptedSenderData, p.encryptedSenderData) && Arrays.equals(ciphertext, p.ciphertext);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "PrivateMessage[group " + groupId.toHex() + ", epoch " + epoch + ", " + contentType
                + ", " + ciphertext.length + " bytes]";
    }
}
