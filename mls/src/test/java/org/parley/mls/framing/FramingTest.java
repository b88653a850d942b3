package org.parley.mls.framing;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.SecretTree;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FramingTest {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    private static final byte[] GROUP = "group".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MEMBERSHIP_KEY = new byte[32];
    private static final Secret ENCRYPTION_SECRET = Secret.copyOf(new byte[32]);
    private static final Secret SENDER_DATA_SECRET = Secret.copyOf(new byte[32]);
    /** An encoded Remove proposal (proposal_type 3, removed leaf 1). */
    private static final byte[] REMOVE = {0, 3, 0, 0, 0, 1};
    /** An encoded Commit with no proposals and no path. */
    private static final byte[] EMPTY_COMMIT = {0, 0};

    /** Reads just the two shapes above, as the messages package would read real ones. */
    private static final HandshakeContentReader BODIES = new HandshakeContentReader() {
        @Override
        public byte[] readProposal(TlsReader r) {
            int at = r.position();
            if (r.readUint16() != 3) {
                throw new DecodeException("test reader knows only Remove", at);
            }
            return new TlsWriter().writeUint16(3).writeUint32(r.readUint32()).toByteArray();
        }

        @Override
        public byte[] readCommit(TlsReader r) {
            byte[] proposals = r.readOpaque();
            int at = r.position();
            if (r.readUint8() != 0 || proposals.length != 0) {
                throw new DecodeException("test reader knows only the empty Commit", at);
            }
            return EMPTY_COMMIT;
        }
    };

    private final SecureRandom random = new SecureRandom();
    private final SignatureKeyPair signer = SUITE.generateSignatureKeyPair(random);
    private final GroupContext context = new GroupContext(SUITE, GROUP, 5, new byte[32], new byte[32], List.of());

    private FramedContent content(ContentType type, byte[] body) {
        return new FramedContent(Bytes.copyOf(GROUP), 5, new Sender.Member(1), new byte[] {7}, type, body);
    }

    private AuthenticatedContent signed(WireFormat format, ContentType type, byte[] body) {
        return type == ContentType.COMMIT
                ? AuthenticatedContent.signedCommit(SUITE, format, content(type, body), signer.privateKey(), context,
                        input -> SUITE.mac(new byte[32], input))
                : AuthenticatedContent.signed(SUITE, format, content(type, body), signer.privateKey(), context);
    }

    private byte[] publicMessage(ContentType type, byte[] body) {
        return new MlsMessage(PublicMessage.protect(SUITE, signed(WireFormat.MLS_PUBLIC_MESSAGE, type, body),
                MEMBERSHIP_KEY, context)).toBytes();
    }

    private PrivateMessage privateMessage(SecretTree tree, ContentType type, byte[] body, int padding) {
        return PrivateMessage.protect(SUITE, signed(WireFormat.MLS_PRIVATE_MESSAGE, type, body), tree, SENDER_DATA_SECRET,
                padding, random);
    }

    private static SecretTree tree() {
        return new SecretTree(SUITE, ENCRYPTION_SECRET, 2);
    }

    @Test
    void publicCommitRoundTripsAndVerifies() {
        byte[] wire = publicMessage(ContentType.COMMIT, EMPTY_COMMIT);
        MlsMessage decoded = MlsMessage.decode(wire, BODIES);
        assertThat(decoded.toBytes()).isEqualTo(wire);
        AuthenticatedContent content = ((PublicMessage) decoded.body()).unprotect(SUITE, MEMBERSHIP_KEY, context);
        content.requireValidSignature(SUITE, signer.publicKey(), context);
        assertThat(content.content().body()).isEqualTo(EMPTY_COMMIT);
        assertThat(AuthenticatedContent.decode(content.toBytes(), BODIES)).isEqualTo(content);
    }

    @Test
    void wrongMembershipKeyOrSignerIsRejected() {
        PublicMessage message = (PublicMessage) MlsMessage.decode(publicMessage(ContentType.PROPOSAL, REMOVE), BODIES).body();
        assertThatThrownBy(() -> message.unprotect(SUITE, new byte[] {1}, context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("invalid membership tag");
        AuthenticatedContent content = message.unprotect(SUITE, MEMBERSHIP_KEY, context);
        SignatureKeyPair other = SUITE.generateSignatureKeyPair(random);
        assertThatThrownBy(() -> content.requireValidSignature(SUITE, other.publicKey(), context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("invalid signature on PROPOSAL");
        GroupContext otherTree = new GroupContext(SUITE, GROUP, 5, new byte[] {1}, new byte[32], List.of());
        assertThat(content.verifySignature(SUITE, signer.publicKey(), otherTree)).isFalse();
    }

    @Test
    void messagesForAnotherGroupOrEpochAreRejected() {
        PublicMessage message = (PublicMessage) MlsMessage.decode(publicMessage(ContentType.PROPOSAL, REMOVE), BODIES).body();
        GroupContext otherGroup = new GroupContext(SUITE, new byte[] {9}, 5, new byte[32], new byte[32], List.of());
        assertThatThrownBy(() -> message.unprotect(SUITE, MEMBERSHIP_KEY, otherGroup))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("not this group 09");
        GroupContext epoch6 = context.nextEpoch(new byte[32], new byte[32], List.of());
        assertThatThrownBy(() -> message.unprotect(SUITE, MEMBERSHIP_KEY, epoch6))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("epoch 5 but the group is at epoch 6");
    }

    @Test
    void applicationDataIsNeverAPublicMessage() {
        assertThatThrownBy(() -> publicMessage(ContentType.APPLICATION, new byte[] {1}))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("must be sent as a PrivateMessage");
    }

    @Test
    void externalSenderMayOnlyPropose() {
        FramedContent commit = new FramedContent(Bytes.copyOf(GROUP), 5, new Sender.External(0), new byte[0], ContentType.COMMIT, EMPTY_COMMIT);
        PublicMessage message = new PublicMessage(commit, new FramedContentAuthData(Bytes.fromHex("01"), Bytes.fromHex("02")), null);
        assertThatThrownBy(() -> message.unprotect(SUITE, MEMBERSHIP_KEY, context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("may not send a COMMIT");
    }

    @Test
    void privateMessagesRoundTripWithPadding() {
        SecretTree senderTree = tree();
        SecretTree receiverTree = tree();
        for (int i = 0; i < 3; i++) {
            byte[] text = ("message " + i).getBytes(StandardCharsets.UTF_8);
            PrivateMessage sent = privateMessage(senderTree, ContentType.APPLICATION, text, 16 * i);
            MlsMessage decoded = MlsMessage.decode(new MlsMessage(sent).toBytes(), BODIES);
            AuthenticatedContent content = ((PrivateMessage) decoded.body())
                    .unprotect(SUITE, receiverTree, SENDER_DATA_SECRET, context, BODIES);
            content.requireValidSignature(SUITE, signer.publicKey(), context);
            assertThat(content.content().body()).isEqualTo(text);
            assertThat(content.content().sender()).isEqualTo(new Sender.Member(1));
            assertThat(content.content().authenticatedData()).containsExactly(7);
        }
        PrivateMessage commit = privateMessage(senderTree, ContentType.COMMIT, EMPTY_COMMIT, 0);
        assertThat(commit.unprotect(SUITE, receiverTree, SENDER_DATA_SECRET, context, BODIES).auth().confirmationTag()).isNotNull();
    }

    @Test
    void replayedPrivateMessageIsRejected() {
        SecretTree receiverTree = tree();
        PrivateMessage sent = privateMessage(tree(), ContentType.APPLICATION, new byte[] {1}, 0);
        sent.unprotect(SUITE, receiverTree, SENDER_DATA_SECRET, context, BODIES);
        assertThatThrownBy(() -> sent.unprotect(SUITE, receiverTree, SENDER_DATA_SECRET, context, BODIES))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("already used");
    }

    @Test
    void generationBeyondTheWindowIsRejected() {
        SecretTree senderTree = tree();
        for (int i = 0; i <= SecretTree.MAX_FORWARD_GENERATIONS; i++) {
            senderTree.nextEncryptionKey(1, SecretTree.RatchetType.APPLICATION);
        }
        PrivateMessage far = privateMessage(senderTree, ContentType.APPLICATION, new byte[] {1}, 0);
        assertThatThrownBy(() -> far.unprotect(SUITE, tree(), SENDER_DATA_SECRET, context, BODIES))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("more than 1000 ahead");
    }

    @Test
    void tamperedOrWronglyKeyedPrivateMessagesAreRejected() {
        PrivateMessage sent = privateMessage(tree(), ContentType.APPLICATION, new byte[] {1, 2, 3}, 0);
        byte[] wrongBytes = new byte[32];
        wrongBytes[0] = 1;
        Secret wrongSecret = Secret.copyOf(wrongBytes);
        assertThatThrownBy(() -> sent.unprotect(SUITE, tree(), wrongSecret, context, BODIES))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("sender data does not decrypt");
        assertThatThrownBy(() -> sent.unprotect(SUITE, new SecretTree(SUITE, wrongSecret, 2), SENDER_DATA_SECRET, context, BODIES))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("does not decrypt: wrong key or tampered");

        byte[] ct = sent.ciphertext();
        ct[ct.length - 1] ^= 1;
        PrivateMessage tamperedTag = new PrivateMessage(sent.groupId(), sent.epoch(), sent.contentType(),
                sent.authenticatedData(), sent.encryptedSenderData(), ct);
        SecretTree receiverTree = tree();
        assertThatThrownBy(() -> tamperedTag.unprotect(SUITE, receiverTree, SENDER_DATA_SECRET, context, BODIES))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("wrong key or tampered");
        // The forgery did not burn the key: the genuine message still decrypts.
        assertThat(sent.unprotect(SUITE, receiverTree, SENDER_DATA_SECRET, context, BODIES).content().body()).containsExactly(1, 2, 3);

        PrivateMessage otherAad = new PrivateMessage(sent.groupId(), sent.epoch(), sent.contentType(),
                new byte[] {8}, sent.encryptedSenderData(), sent.ciphertext());
        assertThatThrownBy(() -> otherAad.unprotect(SUITE, tree(), SENDER_DATA_SECRET, context, BODIES))
                .isInstanceOf(MlsProtocolException.class);
        PrivateMessage otherEpoch = new PrivateMessage(sent.groupId(), 6, sent.contentType(),
                sent.authenticatedData(), sent.encryptedSenderData(), sent.ciphertext());
        assertThatThrownBy(() -> otherEpoch.unprotect(SUITE, tree(), SENDER_DATA_SECRET, context, BODIES))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("message is for epoch 6 but the group is at epoch 5");
        GroupContext epoch6 = context.nextEpoch(new byte[32], new byte[32], List.of());
        assertThatThrownBy(() -> otherEpoch.unprotect(SUITE, tree(), SENDER_DATA_SECRET, epoch6, BODIES))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("sender data does not decrypt");
    }

    @Test
    void nonZeroPaddingIsMalformed() {
        // Build a PrivateMessage by hand whose plaintext ends in a non-zero "padding" byte.
        SecretTree senderTree = tree();
        SecretTree.RatchetKey key = senderTree.nextEncryptionKey(1, SecretTree.RatchetType.APPLICATION);
        byte[] plaintext = new TlsWriter().writeOpaque(new byte[] {1}).writeOpaque(new byte[] {2}).writeUint8(0).writeUint8(5)
                .toByteArray();
        byte[] aad = new TlsWriter().writeOpaque(GROUP).writeUint64(5).writeUint8(1).writeOpaque(new byte[0]).toByteArray();
        byte[] ciphertext = SUITE.seal(key.key(), key.nonce().copyBytes(), aad, plaintext);
        byte[] senderData = new TlsWriter().writeUint32(1).writeUint32(0).writeFixed(new byte[4]).toByteArray();
        byte[] sdAad = new TlsWriter().writeOpaque(GROUP).writeUint64(5).writeUint8(1).toByteArray();
        byte[] encryptedSenderData = SUITE.seal(PrivateMessage.senderDataKey(SUITE, SENDER_DATA_SECRET, ciphertext),
                PrivateMessage.senderDataNonce(SUITE, SENDER_DATA_SECRET, ciphertext), sdAad, senderData);
        PrivateMessage message = new PrivateMessage(Bytes.copyOf(GROUP), 5, ContentType.APPLICATION, new byte[0], encryptedSenderData, ciphertext);
        assertThatThrownBy(() -> message.unprotect(SUITE, tree(), SENDER_DATA_SECRET, context, BODIES))
                .isInstanceOf(DecodeException.class).hasMessageContaining("padding must be all zero bytes");
    }

    @Test
    void everyTruncationOfAnMlsMessageIsRejected() {
        byte[][] messages = {publicMessage(ContentType.PROPOSAL, REMOVE), publicMessage(ContentType.COMMIT, EMPTY_COMMIT),
                new MlsMessage(privateMessage(tree(), ContentType.APPLICATION, new byte[] {1}, 0)).toBytes()};
        for (byte[] wire : messages) {
            for (int n = 0; n < wire.length; n++) {
                byte[] prefix = Arrays.copyOf(wire, n);
                assertThatThrownBy(() -> MlsMessage.decode(prefix, BODIES)).isInstanceOf(DecodeException.class);
            }
            byte[] trailing = Arrays.copyOf(wire, wire.length + 1);
            assertThatThrownBy(() -> MlsMessage.decode(trailing, BODIES)).isInstanceOf(DecodeException.class)
                    .hasMessageContaining("unexpected bytes after MLSMessage");
        }
    }

    @Test
    void wrongEnumValuesAreRejectedWithTheirOffset() {
        byte[] wire = publicMessage(ContentType.PROPOSAL, REMOVE);
        assertThatThrownBy(() -> MlsMessage.decode(patch(wire, 1, 2), BODIES))
                .hasMessageContaining("protocol version 2").hasMessageContaining("at byte 0");
        assertThatThrownBy(() -> MlsMessage.decode(patch(wire, 3, 9), BODIES))
                .hasMessageContaining("unknown wire format 9").hasMessageContaining("at byte 2");
        int senderAt = 4 + 1 + GROUP.length + 8;
        assertThatThrownBy(() -> MlsMessage.decode(patch(wire, senderAt, 5), BODIES))
                .hasMessageContaining("unknown sender type 5").hasMessageContaining("at byte " + senderAt);
        int contentTypeAt = senderAt + 5 + 2;
        assertThatThrownBy(() -> MlsMessage.decode(patch(wire, contentTypeAt, 4), BODIES))
                .hasMessageContaining("unknown content type 4").hasMessageContaining("at byte " + contentTypeAt);
        assertThatThrownBy(() -> MlsMessage.decode(patch(wire, senderAt + 1, 0x80), BODIES))
                .hasMessageContaining("leaf_index 2147483649 is beyond any tree");
    }

    @Test
    void welcomeGroupInfoAndKeyPackageBodiesAreKeptEncoded() {
        byte[] wire = {0, 1, 0, 3, 42, 43};
        MlsMessage message = MlsMessage.decode(wire, BODIES);
        assertThat(message.wireFormat()).isEqualTo(WireFormat.MLS_WELCOME);
        assertThat(((MlsMessage.EncodedBody) message.body()).bytes()).isEqualTo(Bytes.fromHex("2a2b"));
        assertThat(message.toBytes()).isEqualTo(wire);
    }

    @Test
    void authenticatedContentRejectsOtherWireFormats() {
        byte[] bytes = signed(WireFormat.MLS_PUBLIC_MESSAGE, ContentType.PROPOSAL, REMOVE).toBytes();
        bytes[1] = 3;
        assertThatThrownBy(() -> AuthenticatedContent.decode(bytes, BODIES)).isInstanceOf(DecodeException.class)
                .hasMessageContaining("cannot have wire format MLS_WELCOME");
    }

    private static byte[] patch(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        copy[at] = (byte) value;
        return copy;
    }
}
