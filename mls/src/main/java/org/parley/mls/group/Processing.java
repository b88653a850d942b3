package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExtensionType;
import org.parley.mls.extensions.ExternalSenders;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.DecryptionFailedException;
import org.parley.mls.framing.FramedContent;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.Sender;
import org.parley.mls.group.UnreadableMessageException.Reason;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.messages.Proposal;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.SecretTree;
import org.parley.mls.tree.LeafNode;

import java.util.List;
import java.util.Locale;

/**
 * Reading an incoming PublicMessage or PrivateMessage (RFC 9420 Sections 6.2, 6.3, 12.4.2):
 * choosing the epoch whose keys it needs, decrypting and verifying it, and applying it to a work
 * copy of the state. A message this member cannot read says why, with an
 * {@link UnreadableMessageException}: a copy of one already read, an epoch not reached or long
 * left, or keys that do not fit (a forked group or a forgery).
 */
final class Processing {
    private Processing() {
    }

    /** Processes {@code mlsMessage} into {@code work}, which the group installs only when this returns. */
    static ProcessedMessage process(GroupState work, byte[] mlsMessage, GroupConfig config) {
        MlsMessage message = MlsMessage.decode(mlsMessage, HandshakeBodies.INSTANCE);
        CipherSuite suite = work.suite();
        AuthenticatedContent ac;
        int missedBefore = 0;
        if (message.body() instanceof PublicMessage pm) {
            ac = unprotectPublic(work, pm);
        } else if (message.body() instanceof PrivateMessage pm) {
            requireThisGroup(work.context, pm.groupId());
            if (pm.epoch() == work.context.epoch()) {
                Decrypted d = decrypt(pm, work.secretTree, work.secrets.senderDataSecret(), work.context);
                ac = d.content();
                missedBefore = d.missedBefore();
            } else if (work.previous != null && pm.epoch() == work.previous.context().epoch()) {
                return fromPreviousEpoch(work.previous, pm);
            } else {
                throw outsideKeptEpochs(work.context, pm.epoch(), -1);
            }
        } else {
            throw new MlsProtocolException("process() takes PublicMessage or PrivateMessage, not " + message.wireFormat()
                    + " (join from a Welcome with Group.joinFromWelcome)");
        }
        FramedContent content = ac.content();
        if (content.sender() instanceof Sender.NewMemberProposal && !config.newMemberProposals()) {
            throw new MlsProtocolException("a non-member proposed to join (new_member_proposal, Section 12.1.8); "
                    + "this group takes proposals from its members only");
        }
        SignaturePublicKey senderKey = senderSignatureKey(work, content);
        if (senderKey != null) {
            ac.requireValidSignature(suite, senderKey, work.context);
        }
        return switch (content.contentType()) {
            case APPLICATION -> {
                int leaf = ((Sender.Member) content.sender()).leafIndex();
                yield new ProcessedMessage.ApplicationMessage(Member.of(leaf, work.tree.leaf(leaf)),
                        Bytes.copyOf(content.body()), Bytes.copyOf(content.authenticatedData()), missedBefore);
            }
            case PROPOSAL -> {
                Proposal proposal = TlsReader.decodeExactly(content.body(), Proposal::decode, "Proposal");
                Bytes ref = Bytes.copyOf(suite.makeProposalRef(ac.toBytes()));
                work.proposals.put(ref, new GroupState.CachedProposal(proposal, content.sender()));
                int leaf = content.sender() instanceof Sender.Member m ? m.leafIndex() : -1;
                yield new ProcessedMessage.ProposalReceived(leaf, proposal.proposalType(), ref);
            }
            case COMMIT -> Commits.process(work, ac, config.pskStore(), config.policy());
        };
    }

    /**
     * A PublicMessage's framing and membership tag, for the current epoch only. A copy of the
     * Commit that led into the current epoch is recognised by its confirmation tag.
     */
    private static AuthenticatedContent unprotectPublic(GroupState work, PublicMessage pm) {
        FramedContent content = pm.content();
        GroupContext context = work.context;
        requireThisGroup(context, content.groupId());
        int leaf = content.sender() instanceof Sender.Member m ? m.leafIndex() : -1;
        if (content.epoch() != context.epoch()) {
            if (context.epoch() != 0 && content.epoch() == context.epoch() - 1 && content.contentType() == ContentType.COMMIT
                    && pm.auth().confirmationTag().constantTimeEquals(work.confirmationTag)) {
                throw new UnreadableMessageException(Reason.ALREADY_PROCESSED, content.epoch(), leaf,
                        "this is a copy of the Commit that began epoch " + context.epoch() + ", already applied: nothing to do");
            }
            throw outsideKeptEpochs(context, content.epoch(), leaf);
        }
        // Application data in a PublicMessage is malformed, whatever its tag: unprotect says so.
        if (content.contentType() != ContentType.APPLICATION
                && !pm.membershipTagMatches(work.suite(), work.secrets.membershipKey().copyBytes(), context)) {
            throw undecryptable(content.epoch(), leaf);
        }
        return pm.unprotect(work.suite(), work.secrets.membershipKey().copyBytes(), context);
    }

    /** A PrivateMessage's content decrypted with one epoch's keys, and how many of its sender's messages it skipped. */
    private record Decrypted(AuthenticatedContent content, int missedBefore) {
    }

    /** Decrypts with the secret tree and sender data secret of the epoch {@code context} describes. */
    private static Decrypted decrypt(PrivateMessage pm, SecretTree tree, Secret senderDataSecret, GroupContext context) {
        CipherSuite suite = context.cipherSuite();
        PrivateMessage.SenderData senderData = senderData(pm, suite, senderDataSecret);
        requireNotRead(pm, tree, senderData);
        int leaf = senderData.leafIndex();
        long expected = tree.nextGeneration(leaf, PrivateMessage.ratchetFor(pm.contentType()));
        try {
            AuthenticatedContent content = pm.unprotect(suite, tree, senderData, context, HandshakeBodies.INSTANCE);
            // The ratchet admits at most MAX_FORWARD_GENERATIONS ahead, so the gap fits an int.
            return new Decrypted(content, (int) Math.max(0, senderData.generation() - expected));
        } catch (DecryptionFailedException e) {
            throw undecryptable(pm.epoch(), leaf);
        }
    }

    /** The sender data (who sent it, with which generation), or UNDECRYPTABLE when it was made with other keys. */
    private static PrivateMessage.SenderData senderData(PrivateMessage pm, CipherSuite suite, Secret senderDataSecret) {
        try {
            return pm.decryptSenderData(suite, senderDataSecret);
        } catch (DecryptionFailedException e) {
            throw undecryptable(pm.epoch(), -1);
        }
    }

    /** ALREADY_PROCESSED when this member already used the key of the message's generation (Section 9.2): a copy. */
    private static void requireNotRead(PrivateMessage pm, SecretTree tree, PrivateMessage.SenderData senderData) {
        int leaf = senderData.leafIndex();
        if (tree.wasConsumed(leaf, PrivateMessage.ratchetFor(pm.contentType()), senderData.generation())) {
            throw new UnreadableMessageException(Reason.ALREADY_PROCESSED, pm.epoch(), leaf, "message " + senderData.generation()
                    + " of leaf " + leaf + " in epoch " + Long.toUnsignedString(pm.epoch())
                    + " was already processed: this is a redelivered copy, nothing to do");
        }
    }

    /**
     * A PrivateMessage of the epoch before the current one: application data sent just before a
     * Commit is still read with that epoch's keys, tree and context; its proposals and Commits
     * are not applied any more.
     */
    private static ProcessedMessage fromPreviousEpoch(GroupState.PastEpoch past, PrivateMessage pm) {
        GroupContext context = past.context();
        CipherSuite suite = context.cipherSuite();
        if (pm.contentType() != ContentType.APPLICATION) {
            PrivateMessage.SenderData senderData = senderData(pm, suite, past.senderDataSecret());
            requireNotRead(pm, past.secretTree(), senderData);
            throw new UnreadableMessageException(Reason.EPOCH_GONE, pm.epoch(), senderData.leafIndex(),
                    "a " + pm.contentType().name().toLowerCase(Locale.ROOT) + " of epoch " + pm.epoch()
                            + ", which this member has left: proposals and Commits of a past epoch are never applied");
        }
        Decrypted d = decrypt(pm, past.secretTree(), past.senderDataSecret(), context);
        AuthenticatedContent ac = d.content();
        int leaf = ((Sender.Member) ac.content().sender()).leafIndex();
        LeafNode sender = past.tree().leaf(leaf);
        if (sender == null) {
            throw new MlsProtocolException("message from leaf " + leaf + ", which was not a member in epoch " + pm.epoch());
        }
        ac.requireValidSignature(suite, sender.signatureKey(), context);
        return new ProcessedMessage.ApplicationMessage(Member.of(leaf, sender), Bytes.copyOf(ac.content().body()),
                Bytes.copyOf(ac.content().authenticatedData()), d.missedBefore());
    }

    /** The key that must have signed the content, or null for an external Commit (checked with its path's leaf). */
    private static SignaturePublicKey senderSignatureKey(GroupState s, FramedContent content) {
        Sender sender = content.sender();
        if (sender instanceof Sender.Member m) {
            LeafNode leaf = s.tree.leaf(m.leafIndex());
            if (leaf == null) {
                throw new MlsProtocolException("message from leaf " + m.leafIndex() + ", which is not a member");
            }
            return leaf.signatureKey();
        }
        if (sender instanceof Sender.External e) {
            Extension ext = Extension.find(s.context.extensions(), ExtensionType.EXTERNAL_SENDERS);
            List<ExternalSenders.ExternalSender> senders = ext == null ? List.of() : ExternalSenders.from(ext).senders();
            if (e.senderIndex() >= senders.size()) {
                throw new MlsProtocolException("message from external sender " + e.senderIndex() + ", which the group does not list");
            }
            return new SignaturePublicKey(senders.get(e.senderIndex()).signatureKey().toByteArray());
        }
        if (sender instanceof Sender.NewMemberProposal) {
            Proposal p = TlsReader.decodeExactly(content.body(), Proposal::decode, "Proposal");
            if (!(p instanceof Proposal.Add add)) {
                throw new MlsProtocolException("a new member may only propose to add itself");
            }
            return add.keyPackage().leafNode().signatureKey();
        }
        return null;
    }

    private static void requireThisGroup(GroupContext context, Bytes groupId) {
        if (!context.groupId().equals(groupId)) {
            throw new MlsProtocolException("message is for group " + groupId.toHex() + ", not this group " + context.groupId().toHex());
        }
    }

    private static UnreadableMessageException outsideKeptEpochs(GroupContext context, long epoch, int senderLeaf) {
        String at = Long.toUnsignedString(context.epoch());
        String of = Long.toUnsignedString(epoch);
        if (Long.compareUnsigned(epoch, context.epoch()) > 0) {
            return new UnreadableMessageException(Reason.EPOCH_AHEAD, epoch, senderLeaf, "a message for epoch " + of
                    + " arrived, but this member is at epoch " + at + ": it missed or refused a Commit, and cannot read "
                    + "the group's messages until it catches up or rejoins");
        }
        return new UnreadableMessageException(Reason.EPOCH_GONE, epoch, senderLeaf, "a message for epoch " + of
                + " arrived, but this member is at epoch " + at + " and no longer keeps keys for it: it came too late to be read");
    }

    private static UnreadableMessageException undecryptable(long epoch, int senderLeaf) {
        return new UnreadableMessageException(Reason.UNDECRYPTABLE, epoch, senderLeaf, "a message for epoch "
                + Long.toUnsignedString(epoch) + " does not decrypt or verify with this member's keys for that epoch: "
                + "the group has forked (the sender is in another copy of the epoch) or the message is forged; "
                + "compare epoch authenticators and rejoin the group if they differ");
    }
}
