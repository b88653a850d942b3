package org.parley.mls.framing;

import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.schedule.GroupContext;

/**
 * {@code AuthenticatedContent} (RFC 9420 Section 6): a FramedContent with its wire format and
 * FramedContentAuthData, plus signing and verification over FramedContentTBS (Section 6.1) and
 * the ConfirmedTranscriptHashInput of a Commit (Section 8.2).
 */
public record AuthenticatedContent(WireFormat wireFormat, FramedContent content, FramedContentAuthData auth)
        implements TlsEncodable {
    private static final String SIGN_LABEL = "FramedContentTBS";

    public AuthenticatedContent {
        if (wireFormat != WireFormat.MLS_PUBLIC_MESSAGE && wireFormat != WireFormat.MLS_PRIVATE_MESSAGE) {
            throw new IllegalArgumentException("AuthenticatedContent is sent as a PublicMessage or PrivateMessage, not " + wireFormat);
        }
        if ((content.contentType() == ContentType.COMMIT) != (auth.confirmationTag() != null)) {
            throw new IllegalArgumentException("a confirmation tag is present exactly when the content is a Commit");
        }
    }

    /** The signature part of the auth data; a Commit's confirmation tag is still missing. */
    private static FramedContentAuthData sign(CipherSuite suite, WireFormat wireFormat, FramedContent content,
                                             SignaturePrivateKey key, GroupContext context) {
        byte[] signature = suite.signWithLabel(key, SIGN_LABEL, tbs(wireFormat, content, context));
        return new FramedContentAuthData(Bytes.copyOf(signature), null);
    }

    /** Signs non-Commit content and returns the complete AuthenticatedContent. */
    public static AuthenticatedContent signed(CipherSuite suite, WireFormat wireFormat, FramedContent content,
                                              SignaturePrivateKey key, GroupContext context) {
        return new AuthenticatedContent(wireFormat, content, sign(suite, wireFormat, content, key, context));
    }

    /**
     * Signs a Commit. Its confirmation tag covers the signature (through the confirmed transcript
     * hash), so {@code confirmationTag} computes it from the ConfirmedTranscriptHashInput.
     */
    public static AuthenticatedContent signedCommit(CipherSuite suite, WireFormat wireFormat, FramedContent content,
                                                    SignaturePrivateKey key, GroupContext context,
                                                    java.util.function.Function<byte[], byte[]> confirmationTag) {
        FramedContentAuthData unconfirmed = sign(suite, wireFormat, content, key, context);
        byte[] input = confirmedTranscriptHashInput(wireFormat, content, unconfirmed.signature());
        return new AuthenticatedContent(wireFormat, content,
                new FramedContentAuthData(unconfirmed.signature(), Bytes.copyOf(confirmationTag.apply(input))));
    }

    /** VerifyWithLabel(key, "FramedContentTBS", FramedContentTBS, signature). */
    public boolean verifySignature(CipherSuite suite, SignaturePublicKey key, GroupContext context) {
        return suite.verifyWithLabel(key, SIGN_LABEL, tbs(wireFormat, content, context), auth.signature().toByteArray());
    }

    /** Like {@link #verifySignature} but throws an {@link MlsProtocolException} naming the sender when invalid. */
    public void requireValidSignature(CipherSuite suite, SignaturePublicKey key, GroupContext context) {
        if (!verifySignature(suite, key, context)) {
            throw new MlsProtocolException("invalid signature on " + content.contentType() + " from " + content.sender());
        }
    }

    /**
     * The encoded FramedContentTBS: version, wire format, content, and the GroupContext when the
     * sender is a member or a new member committing.
     */
    public static byte[] tbs(WireFormat wireFormat, FramedContent content, GroupContext context) {
        TlsWriter w = new TlsWriter(256);
        w.writeUint16(ProtocolVersion.MLS10).writeUint16(wireFormat.id());
        content.writeTo(w);
        int type = content.sender().senderType();
        if (type == Sender.MEMBER || type == Sender.NEW_MEMBER_COMMIT) {
            if (context == null) {
                throw new IllegalArgumentException("a member's FramedContentTBS includes the GroupContext");
            }
            context.writeTo(w);
        }
        return w.toByteArray();
    }

    /** ConfirmedTranscriptHashInput: {@code wire_format, content, signature} (Section 8.2). */
    public byte[] confirmedTranscriptHashInput() {
        if (content.contentType() != ContentType.COMMIT) {
            throw new IllegalStateException("only a Commit enters the transcript hash");
        }
        return confirmedTranscriptHashInput(wireFormat, content, auth.signature());
    }

    private static byte[] confirmedTranscriptHashInput(WireFormat wireFormat, FramedContent content, Bytes signature) {
        TlsWriter w = new TlsWriter(256).writeUint16(wireFormat.id());
        content.writeTo(w);
        return w.writeOpaque(signature).toByteArray();
    }

    @Override
    public void writeTo(TlsWriter w) {
        w.writeUint16(wireFormat.id());
        content.writeTo(w);
        auth.writeTo(w, content.contentType());
    }

    public static AuthenticatedContent read(TlsReader r, HandshakeContentReader bodies) {
        int at = r.position();
        WireFormat wireFormat = WireFormat.read(r);
        if (wireFormat != WireFormat.MLS_PUBLIC_MESSAGE && wireFormat != WireFormat.MLS_PRIVATE_MESSAGE) {
            throw new org.parley.mls.codec.DecodeException("AuthenticatedContent cannot have wire format " + wireFormat, at);
        }
        FramedContent content = FramedContent.read(r, bodies);
        return new AuthenticatedContent(wireFormat, content, FramedContentAuthData.read(r, content.contentType()));
    }

    public static AuthenticatedContent decode(byte[] bytes, HandshakeContentReader bodies) {
        return TlsReader.decodeExactly(bytes, r -> read(r, bodies), "AuthenticatedContent");
    }
}
