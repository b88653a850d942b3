package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.FramedContent;
import org.parley.mls.framing.HandshakeContentReader;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.Sender;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.SecretTree;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * {@code message-protection.json}: unprotecting the vector's PublicMessage and PrivateMessage for
 * a proposal, a commit and application data, and protecting the raw values ourselves and
 * unprotecting the result (RFC 9420 Section 6). Proposal and Commit bodies are compared as bytes:
 * the vector gives them, so the body reader only checks that the expected encoding is present.
 */
public final class MessageProtectionVectors implements VectorSuite {
    private static final int SENDER_LEAF = 1;
    private static final int LEAVES = 2;

    private final SecureRandom random = new SecureRandom();

    @Override
    public String fileName() {
        return "message-protection.json";
    }

    @Override
    public void verify(JsonNode c) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(c, "cipher_suite"));
        GroupContext context = new GroupContext(suite, Check.hex(c, "group_id"), Check.number(c, "epoch"),
                Check.hex(c, "tree_hash"), Check.hex(c, "confirmed_transcript_hash"), List.of());
        Keys keys = new Keys(suite, context, new SignaturePrivateKey(Check.hex(c, "signature_priv")),
                new SignaturePublicKey(Check.hex(c, "signature_pub")), Secret.copyOf(Check.hex(c, "encryption_secret")),
                Secret.copyOf(Check.hex(c, "sender_data_secret")), Check.hex(c, "membership_key"));

        byte[] proposal = Check.hex(c, "proposal");
        HandshakeContentReader proposalBody = new KnownBody(proposal);
        byte[] proposalTag = checkPublic(keys, "proposal_pub", Check.hex(c, "proposal_pub"), proposal, proposalBody);
        checkOwnPublic(keys, ContentType.PROPOSAL, proposal, proposalTag, proposalBody);
        checkPrivate(keys, "proposal_priv", Check.hex(c, "proposal_priv"), ContentType.PROPOSAL, proposal, proposalBody);

        byte[] commit = Check.hex(c, "commit");
        HandshakeContentReader commitBody = new KnownBody(commit);
        byte[] commitTag = checkPublic(keys, "commit_pub", Check.hex(c, "commit_pub"), commit, commitBody);
        checkOwnPublic(keys, ContentType.COMMIT, commit, commitTag, commitBody);
        checkPrivate(keys, "commit_priv", Check.hex(c, "commit_priv"), ContentType.COMMIT, commit, commitBody);

        byte[] application = Check.hex(c, "application");
        HandshakeContentReader noBody = new KnownBody(new byte[0]);
        try {
            checkOwnPublic(keys, ContentType.APPLICATION, application, null, noBody);
            throw new AssertionError("protecting application data as a PublicMessage did not fail");
        } catch (MlsProtocolException expected) {
            // Application data must never travel as a PublicMessage.
        }
        checkPrivate(keys, "application_priv", Check.hex(c, "application_priv"), ContentType.APPLICATION, application, noBody);
    }

    private record Keys(CipherSuite suite, GroupContext context, SignaturePrivateKey signaturePriv,
                        SignaturePublicKey signaturePub, Secret encryptionSecret, Secret senderDataSecret,
                        byte[] membershipKey) {
        SecretTree freshTree() {
            return new SecretTree(suite, encryptionSecret, LEAVES);
        }
    }

    /** Unprotects the vector's PublicMessage; returns its confirmation tag (null unless a commit). */
    private static byte[] checkPublic(Keys k, String field, byte[] message, byte[] raw, HandshakeContentReader body) {
        MlsMessage decoded = MlsMessage.decode(message, body);
        Check.equal(field + " re-encoded", message, decoded.toBytes());
        AuthenticatedContent content = ((PublicMessage) decoded.body()).unprotect(k.suite, k.membershipKey, k.context);
        Check.isTrue(field + ": signature does not verify", content.verifySignature(k.suite, k.signaturePub, k.context));
        Check.equal(field + " content", raw, content.content().body());
        Bytes tag = content.auth().confirmationTag();
        return tag == null ? null : tag.toByteArray();
    }

    private void checkOwnPublic(Keys k, ContentType type, byte[] raw, byte[] confirmationTag, HandshakeContentReader body) {
        FramedContent content = new FramedContent(k.context.groupId(), k.context.epoch(), new Sender.Member(SENDER_LEAF),
                new byte[0], type, raw);
        AuthenticatedContent signed = type == ContentType.COMMIT
                ? AuthenticatedContent.signedCommit(k.suite, WireFormat.MLS_PUBLIC_MESSAGE, content, k.signaturePriv, k.context,
                        input -> confirmationTag)
                : AuthenticatedContent.signed(k.suite, WireFormat.MLS_PUBLIC_MESSAGE, content, k.signaturePriv, k.context);
        PublicMessage message = PublicMessage.protect(k.suite, signed, k.membershipKey, k.context);
        MlsMessage decoded = MlsMessage.decode(new MlsMessage(message).toBytes(), body);
        AuthenticatedContent back = ((PublicMessage) decoded.body()).unprotect(k.suite, k.membershipKey, k.context);
        Check.isTrue("own " + type + " PublicMessage: signature does not verify",
                back.verifySignature(k.suite, k.signaturePub, k.context));
        Check.equal("own " + type + " PublicMessage content", raw, back.content().body());
    }

    private void checkPrivate(Keys k, String field, byte[] message, ContentType type, byte[] raw, HandshakeContentReader body) {
        MlsMessage decoded = MlsMessage.decode(message, body);
        Check.equal(field + " re-encoded", message, decoded.toBytes());
        AuthenticatedContent content = ((PrivateMessage) decoded.body()).unprotect(k.suite, k.freshTree(), k.senderDataSecret, k.context, body);
        Check.isTrue(field + ": signature does not verify", content.verifySignature(k.suite, k.signaturePub, k.context));
        Check.equal(field + " content", raw, content.content().body());
        Check.equal(field + " sender", SENDER_LEAF, ((Sender.Member) content.content().sender()).leafIndex());

        FramedContent own = new FramedContent(k.context.groupId(), k.context.epoch(), new Sender.Member(SENDER_LEAF),
                new byte[0], type, raw);
        AuthenticatedContent signed = type == ContentType.COMMIT
                ? AuthenticatedContent.signedCommit(k.suite, WireFormat.MLS_PRIVATE_MESSAGE, own, k.signaturePriv, k.context,
                        input -> content.auth().confirmationTag().toByteArray())
                : AuthenticatedContent.signed(k.suite, WireFormat.MLS_PRIVATE_MESSAGE, own, k.signaturePriv, k.context);
        PrivateMessage ours = PrivateMessage.protect(k.suite, signed, k.freshTree(), k.senderDataSecret, 7, random);
        MlsMessage again = MlsMessage.decode(new MlsMessage(ours).toBytes(), body);
        AuthenticatedContent back = ((PrivateMessage) again.body()).unprotect(k.suite, k.freshTree(), k.senderDataSecret, k.context, body);
        Check.isTrue("own " + type + " PrivateMessage: signature does not verify",
                back.verifySignature(k.suite, k.signaturePub, k.context));
        Check.equal("own " + type + " PrivateMessage content", raw, back.content().body());
    }

    /** A body reader for a vector that gives the expected Proposal or Commit encoding: it must be next in the input. */
    private record KnownBody(byte[] expected) implements HandshakeContentReader {
        @Override
        public byte[] readProposal(TlsReader reader) {
            return readExpected(reader);
        }

        @Override
        public byte[] readCommit(TlsReader reader) {
            return readExpected(reader);
        }

        private byte[] readExpected(TlsReader reader) {
            int at = reader.position();
            byte[] actual = reader.readFixed(Math.min(expected.length, reader.remaining()), "handshake content");
            if (!Arrays.equals(expected, actual)) {
                throw new DecodeException("handshake content differs from the vector's", at);
            }
            return actual;
        }
    }
}
