package org.parley.mls.framing;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.schedule.GroupContext;

/**
 * {@code PublicMessage} (RFC 9420 Section 6.2): signed, not encrypted; a member's message also
 * carries {@code membership_tag = MAC(membership_key, AuthenticatedContentTBM)}.
 *
 * <pre>
 * struct {
 *     FramedContent content;
 *     FramedContentAuthData auth;
 *     select (PublicMessage.content.sender.sender_type) {
 *         case member: MAC membership_tag;
 *         case external, new_member_commit, new_member_proposal: struct{};
 *     };
 * } PublicMessage;
 * </pre>
 */
public record PublicMessage(FramedContent content, FramedContentAuthData auth, Bytes membershipTag)
        implements MlsMessage.Body {
    public PublicMessage {
        if ((content.contentType() == ContentType.COMMIT) != (auth.confirmationTag() != null)) {
            throw new IllegalArgumentException("a confirmation tag is present exactly when the content is a Commit");
        }
        if ((content.sender().senderType() == Sender.MEMBER) != (membershipTag != null)) {
            throw new IllegalArgumentException("a membership tag is present exactly when the sender is a member");
        }
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.MLS_PUBLIC_MESSAGE;
    }

    /**
     * Encodes signed content as a PublicMessage, adding the membership tag for a member sender.
     * Application data is refused: it must be sent as a PrivateMessage (Section 6).
     */
    public static PublicMessage protect(CipherSuite suite, AuthenticatedContent authenticated, byte[] membershipKey,
                                        GroupContext context) {
        if (authenticated.wireFormat() != WireFormat.MLS_PUBLIC_MESSAGE) {
            throw new IllegalArgumentException("content signed for " + authenticated.wireFormat() + " cannot be sent as a PublicMessage");
        }
        FramedContent content = authenticated.content();
        if (content.contentType() == ContentType.APPLICATION) {
            throw new MlsProtocolException("application data must be sent as a PrivateMessage, never as a PublicMessage");
        }
        Bytes tag = content.sender().senderType() == Sender.MEMBER
                ? Bytes.copyOf(suite.mac(membershipKey, tbm(authenticated, context))) : null;
        return new PublicMessage(content, authenticated.auth(), tag);
    }

    /**
     * Checks the group id and epoch against {@code context}, the sender/content combination and
     * the membership tag (for a member sender), and returns the AuthenticatedContent. The caller
     * still verifies the signature with the sender's key ({@link AuthenticatedContent#requireValidSignature}).
     */
    public AuthenticatedContent unprotect(CipherSuite suite, byte[] membershipKey, GroupContext context) {
        context.requireMessageFor(content.groupId(), content.epoch());
        if (content.contentType() == ContentType.APPLICATION) {
            throw new MlsProtocolException("a PublicMessage must not carry application data");
        }
        checkSenderMayPublish(content);
        AuthenticatedContent authenticated = new AuthenticatedContent(WireFormat.MLS_PUBLIC_MESSAGE, content, auth);
        if (!membershipTagMatches(suite, membershipKey, context)) {
            throw new MlsProtocolException("invalid membership tag on PublicMessage from " + content.sender());
        }
        return authenticated;
    }

    /**
     * Whether the membership tag is the MAC of this epoch's membership key (Section 6.2); true
     * for senders that carry none. A member's message made with another copy of this epoch (a
     * forked group) or tampered with fails.
     */
    public boolean membershipTagMatches(CipherSuite suite, byte[] membershipKey, GroupContext context) {
        AuthenticatedContent authenticated = new AuthenticatedContent(WireFormat.MLS_PUBLIC_MESSAGE, content, auth);
        return membershipTag == null || suite.verifyMac(membershipKey, tbm(authenticated, context), membershipTag.toByteArray());
    }

    /** Section 6.1: external senders and new members proposing send proposals; a new member commits. */
    private static void checkSenderMayPublish(FramedContent content) {
        ContentType type = content.contentType();
        boolean ok = switch (content.sender().senderType()) {
            case Sender.EXTERNAL, Sender.NEW_MEMBER_PROPOSAL -> type == ContentType.PROPOSAL;
            case Sender.NEW_MEMBER_COMMIT -> type == ContentType.COMMIT;
            default -> true;
        };
        if (!ok) {
            throw new MlsProtocolException("sender " + content.sender() + " may not send a " + type);
        }
    }

    /** AuthenticatedContentTBM: {@code FramedContentTBS content_tbs; FramedContentAuthData auth;}. */
    private static byte[] tbm(AuthenticatedContent authenticated, GroupContext context) {
        TlsWriter w = new TlsWriter(256);
        w.writeFixed(AuthenticatedContent.tbs(authenticated.wireFormat(), authenticated.content(), context));
        authenticated.auth().writeTo(w, authenticated.content().contentType());
        return w.toByteArray();
    }

    @Override
    public void writeTo(TlsWriter w) {
        content.writeTo(w);
        auth.writeTo(w, content.contentType());
        if (membershipTag != null) {
            w.writeOpaque(membershipTag);
        }
    }

    /** Reads a PublicMessage; which tags are present follows from the content type and sender type. */
    public static PublicMessage read(TlsReader r, HandshakeContentReader bodies) {
        FramedContent content = FramedContent.read(r, bodies);
        FramedContentAuthData auth = FramedContentAuthData.read(r, content.contentType());
        Bytes tag = content.sender().senderType() == Sender.MEMBER ? r.readOpaqueBytes() : null;
        return new PublicMessage(content, auth, tag);
    }

    @Override
    public String toString() {
        return "PublicMessage[" + content + "]";
    }
}
