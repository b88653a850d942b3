package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.FramedContent;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.Sender;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.group.ProcessedMessage.CommitApplied;
import org.parley.mls.messages.Commit;
import org.parley.mls.messages.PreSharedKeyID;
import org.parley.mls.messages.ProposalOrRef;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.KeySchedule;
import org.parley.mls.schedule.TranscriptHashes;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeValidation;
import org.parley.mls.tree.RatchetTree;
import org.parley.mls.tree.TreeKem;
import org.parley.mls.tree.TreePrivateKeys;
import org.parley.mls.tree.UpdatePath;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

/**
 * Creating and processing Commits (RFC 9420 Section 12.4): proposal list, UpdatePath through
 * TreeKEM under the provisional GroupContext, transcript hashes, key schedule and confirmation
 * tag. Both directions work on a {@link GroupState} copy that becomes the next epoch's state.
 */
final class Commits {
    private Commits() {
    }

    /** How to create a Commit: who signs it, with which leaf template, and how it is sent. */
    record Options(SignaturePrivateKey signatureKey, LeafNode leafTemplate, boolean forcePath, boolean encrypt,
                   ToIntFunction<AuthenticatedContent> padding, boolean ratchetTreeInWelcome, PskStore pskStore, SecureRandom random,
                   List<PreSharedKeyID> welcomeOnlyPsks, GroupPolicy policy) {
        /** The same options with PSKs that enter the key schedule and the Welcome without a proposal (reinit, branch). */
        Options withWelcomeOnlyPsks(List<PreSharedKeyID> psks) {
            return new Options(signatureKey, leafTemplate, forcePath, encrypt, padding, ratchetTreeInWelcome, pskStore, random, psks,
                    policy);
        }
    }

    /** A created Commit: the next state, the MLSMessage bytes, and the Welcome (null without new members). */
    record Created(GroupState next, Bytes commitMessage, Bytes welcome, CommitApplied summary) {
    }

    /**
     * Applies a received Commit whose signature (member sender) and framing were already checked,
     * turning {@code s} into the next epoch's state (Section 12.4.2), once {@code policy} accepted it.
     */
    static CommitApplied process(GroupState s, AuthenticatedContent ac, PskStore store, GroupPolicy policy) {
        CipherSuite suite = s.suite();
        Commit commit = TlsReader.decodeExactly(ac.content().body(), Commit::decode, "Commit");
        Sender sender = ac.content().sender();
        boolean external = sender.senderType() == Sender.NEW_MEMBER_COMMIT;
        int committer = external ? -1 : ((Sender.Member) sender).leafIndex();
        if (committer == s.myLeaf) {
            throw new MlsProtocolException("a member does not process its own Commit: it merges the pending commit it created");
        }
        UpdatePath path = commit.path();
        if (external) {
            if (path == null) {
                throw new MlsProtocolException("an external Commit must carry an UpdatePath");
            }
            ac.requireValidSignature(suite, path.leafNode().signatureKey(), s.context);
        }
        List<ProposalList.Committed> proposals = ProposalList.resolve(commit, sender, s.proposals);
        RatchetTree before = s.tree;
        RatchetTree tree = s.tree.copy();
        ProposalList.Applied applied = ProposalList.validateAndApply(s, tree, proposals, committer);
        if (applied.pathRequired() && path == null) {
            throw new MlsProtocolException("the Commit's proposals require an UpdatePath, and it has none");
        }
        List<Member> removed = removedMembers(s.tree, applied);
        if (external && !removed.isEmpty()
                && !Arrays.equals(removed.get(0).credential().toBytes(), path.leafNode().credential().toBytes())) {
            // Section 12.2: a resync removes an old appearance of the joiner itself; Parley's
            // credentials name account and device, so the new leaf must carry the same credential.
            throw new MlsProtocolException("an external Commit may remove only the joiner's own old leaf (same credential)");
        }
        s.tree = tree;
        if (applied.removed().contains(s.myLeaf)) {
            // This member cannot follow the path into the next epoch, but the application still
            // decides whether it accepts being removed by this committer.
            RatchetTree staged = tree;
            int committerLeaf = committer;
            if (external) {
                staged = tree.copy();
                committerLeaf = staged.addLeaf(reservation(path.leafNode()));
            }
            policy.checkCommit(view(s.context, before, staged, applied, committerLeaf, external, path == null ? null : path.leafNode()));
            s.active = false;
            return new CommitApplied(s.context.epoch(), committer, List.of(), removed, List.of(), true);
        }
        if (applied.updated().contains(s.myLeaf)) {
            HpkePrivateKey leafKey = s.pendingUpdateKeys.get(tree.leaf(s.myLeaf).encryptionKey());
            if (leafKey == null) {
                throw new MlsProtocolException("the Commit applies an Update to this member's leaf that this member did not send");
            }
            TreePrivateKeys keys = new TreePrivateKeys(s.myLeaf, leafKey);
            s.myKeys.nodes().forEach(n -> keys.put(n, n == 2 * s.myLeaf ? leafKey : s.myKeys.get(n)));
            s.myKeys = keys;
        }
        s.pruneKeys();

        byte[] commitSecret = new byte[suite.hashLength()];
        if (path != null) {
            int senderLeaf = committer;
            if (external) {
                senderLeaf = tree.addLeaf(reservation(path.leafNode()));
                committer = senderLeaf;
            }
            // TreeKEM checks the leaf's source and signature; the rest of Section 7.3 is checked here.
            LeafNodeValidation.validateCapabilities(path.leafNode(), GroupState.requiredCapabilities(applied.extensions()));
            TreeKem.Processed p = TreeKem.processUpdatePath(tree, s.myKeys, senderLeaf, path, s.context.groupId().toByteArray(),
                    applied.added().keySet(), provisionalContext(s.context, applied.extensions()));
            commitSecret = p.commitSecret().copyBytes();
        }

        byte[] confirmed = TranscriptHashes.confirmed(suite, s.interimTranscriptHash, ac.confirmedTranscriptHashInput());
        GroupContext next = s.context.nextEpoch(tree.treeHash(), confirmed, applied.extensions());
        byte[] initSecret = external
                ? KeySchedule.externalInitSecret(suite, s.secrets.externalKeyPair().privateKey(), applied.externalInit().kemOutput().toByteArray())
                : s.secrets.initSecret().copyBytes();
        byte[] pskSecret = Psks.pskSecret(suite, applied.psks(), store, s.context.groupId().toByteArray(), s.resumptionPsks);
        EpochSecrets secrets = KeySchedule.fromInitSecret(suite, initSecret, commitSecret, pskSecret, next);
        Bytes tag = ac.auth().confirmationTag();
        if (!tag.constantTimeEquals(secrets.confirmationTag(confirmed))) {
            throw new MlsProtocolException("Commit confirmation tag is invalid");
        }
        policy.checkCommit(view(s.context, before, tree, applied, committer, external, path == null ? null : path.leafNode()));
        enterEpoch(s, before, next, secrets, confirmed, tag.toByteArray());
        s.reInit = applied.reInit();
        return summary(s, applied, committer, removed, path != null);
    }

    /**
     * Creates a Commit over {@code proposals} from state {@code s} (a copy; for an external join a
     * state built from the GroupInfo), with {@code initSecret} the previous epoch's (or the
     * external init secret). {@code external} commits are sent by a new member (Section 12.4.3.2).
     */
    static Created create(GroupState s, List<ProposalOrRef> proposals, boolean external, byte[] initSecret, Options o) {
        CipherSuite suite = s.suite();
        Sender sender = external ? new Sender.NewMemberCommit() : new Sender.Member(s.myLeaf);
        int committer = external ? -1 : s.myLeaf;
        List<ProposalList.Committed> committed = ProposalList.resolve(new Commit(proposals, null), sender, s.proposals);
        RatchetTree before = s.tree;
        RatchetTree tree = s.tree.copy();
        ProposalList.Applied applied = ProposalList.validateAndApply(s, tree, committed, committer);
        List<Member> removed = removedMembers(s.tree, applied);
        s.tree = tree;
        if (!external) {
            s.pruneKeys();
        }

        byte[] commitSecret = new byte[suite.hashLength()];
        TreeKem.Created path = null;
        if (applied.pathRequired() || o.forcePath() || external) {
            int leaf = external ? tree.addLeaf(o.leafTemplate()) : s.myLeaf;
            committer = leaf;
            path = TreeKem.createUpdatePath(tree, leaf, o.leafTemplate(), o.signatureKey(), s.context.groupId().toByteArray(),
                    applied.added().keySet(), provisionalContext(s.context, applied.extensions()), o.random());
            commitSecret = path.commitSecret().copyBytes();
            s.myLeaf = leaf;
            s.myKeys = path.privateKeys();
        }
        // Section 12.4.2 lets the application refuse a Commit; its own are refused before they are signed.
        o.policy().checkCommit(view(s.context, before, tree, applied, committer, external,
                path == null ? null : path.updatePath().leafNode()));
        Commit commit = new Commit(proposals, path == null ? null : path.updatePath());
        FramedContent content = new FramedContent(s.context.groupId(), s.context.epoch(), sender, new byte[0],
                ContentType.COMMIT, commit.toBytes());
        WireFormat wireFormat = o.encrypt() && !external ? WireFormat.MLS_PRIVATE_MESSAGE : WireFormat.MLS_PUBLIC_MESSAGE;
        List<PreSharedKeyID> psks = new ArrayList<>(o.welcomeOnlyPsks());
        psks.addAll(applied.psks());
        byte[] pskSecret = Psks.pskSecret(suite, psks, o.pskStore(), s.context.groupId().toByteArray(), s.resumptionPsks);

        GroupContext old = s.context;
        byte[] finalCommitSecret = commitSecret;
        NextEpoch derived = new NextEpoch();
        AuthenticatedContent ac = AuthenticatedContent.signedCommit(suite, wireFormat, content, o.signatureKey(), old, input -> {
            byte[] confirmed = TranscriptHashes.confirmed(suite, s.interimTranscriptHash, input);
            GroupContext next = old.nextEpoch(tree.treeHash(), confirmed, applied.extensions());
            EpochSecrets secrets = KeySchedule.fromInitSecret(suite, initSecret, finalCommitSecret, pskSecret, next);
            derived.context = next;
            derived.secrets = secrets;
            derived.confirmed = confirmed;
            return secrets.confirmationTag(confirmed);
        });
        MlsMessage.Body body = wireFormat == WireFormat.MLS_PRIVATE_MESSAGE
                ? PrivateMessage.protect(suite, ac, s.secretTree, s.secrets.senderDataSecret(),
                        o.padding().applyAsInt(ac), o.random())
                : PublicMessage.protect(suite, ac, external ? null : s.secrets.membershipKey().copyBytes(), old);
        Bytes message = Bytes.copyOf(new MlsMessage(body).toBytes());

        enterEpoch(s, before, derived.context, derived.secrets, derived.confirmed, ac.auth().confirmationTag().toByteArray());
        s.reInit = applied.reInit();
        Bytes welcome = applied.added().isEmpty() ? null
                : Bytes.copyOf(Welcomes.create(s, applied, path, committer, psks, pskSecret, o));
        return new Created(s, message, welcome, summary(s, applied, committer, removed, path != null));
    }

    /** What the confirmation-tag callback of {@link AuthenticatedContent#signedCommit} derives for the next epoch. */
    private static final class NextEpoch {
        GroupContext context;
        EpochSecrets secrets;
        byte[] confirmed;
    }

    /**
     * The Commit as a {@link GroupPolicy} sees it: the epoch it ends ({@code old}, {@code before})
     * and the staged tree of the next ({@code after}). {@code committerLeaf} is the committer's leaf
     * (an external joiner's new leaf) and {@code pathLeaf} the UpdatePath's new leaf, or null.
     */
    private static CommitView view(GroupContext old, RatchetTree before, RatchetTree after, ProposalList.Applied applied,
                                   int committerLeaf, boolean external, LeafNode pathLeaf) {
        Member committer = external ? null : Member.of(committerLeaf, before.leaf(committerLeaf));
        Member committerAfter = pathLeaf == null ? committer : Member.of(committerLeaf, pathLeaf);
        List<Member> membersAfter = new ArrayList<>();
        for (Member m : Member.all(after)) {
            membersAfter.add(m.leafIndex() == committerLeaf && committerAfter != null ? committerAfter : m);
        }
        List<Member> added = new ArrayList<>();
        for (int leaf : applied.added().keySet()) {
            added.add(Member.of(leaf, after.leaf(leaf)));
        }
        List<Member> updated = new ArrayList<>();
        for (int leaf : applied.updated()) {
            updated.add(Member.of(leaf, after.leaf(leaf)));
        }
        if (external) {
            added.add(committerAfter);
        } else if (pathLeaf != null) {
            updated.add(committerAfter);
        }
        List<CommitView.Removal> removed = new ArrayList<>();
        for (int leaf : applied.removed()) {
            Sender proposer = applied.removedBy().get(leaf);
            // By value: the committer (an external joiner removes its own old leaf); by reference:
            // the member who sent it; an external sender is no member (null).
            Member by = proposer instanceof Sender.Member m ? Member.of(m.leafIndex(), before.leaf(m.leafIndex()))
                    : proposer.senderType() == Sender.NEW_MEMBER_COMMIT ? committerAfter : null;
            removed.add(new CommitView.Removal(Member.of(leaf, before.leaf(leaf)), by));
        }
        return new CommitView(old.groupId(), old.epoch(), committer, Member.all(before), membersAfter, added, removed, updated,
                old.extensions(), applied.extensions());
    }

    private static List<Member> removedMembers(RatchetTree before, ProposalList.Applied applied) {
        List<Member> removed = new ArrayList<>(applied.removed().size());
        for (int leaf : applied.removed()) {
            removed.add(Member.of(leaf, before.leaf(leaf)));
        }
        return removed;
    }

    /** What changed, from the next epoch's state: members added, removed, and with a new leaf (Updates and the committer's path). */
    private static CommitApplied summary(GroupState next, ProposalList.Applied applied, int committer, List<Member> removed,
                                         boolean withPath) {
        List<Member> added = new ArrayList<>();
        for (int leaf : applied.added().keySet()) {
            added.add(Member.of(leaf, next.tree.leaf(leaf)));
        }
        List<Member> updated = new ArrayList<>();
        for (int leaf : applied.updated()) {
            updated.add(Member.of(leaf, next.tree.leaf(leaf)));
        }
        if (withPath) {
            updated.add(Member.of(committer, next.tree.leaf(committer)));
        }
        return new CommitApplied(next.context.epoch(), committer, added, removed, updated, false);
    }

    /**
     * Installs the next epoch: context, transcript, secrets, a fresh secret tree; clears per-epoch
     * caches; keeps the epoch being left for late application messages.
     */
    private static void enterEpoch(GroupState s, RatchetTree previousTree, GroupContext next, EpochSecrets secrets,
                                   byte[] confirmed, byte[] tag) {
        // An external joiner has no previous epoch of its own.
        s.previous = s.secrets == null ? null
                : new GroupState.PastEpoch(s.context, previousTree, s.secrets.senderDataSecret(), s.secretTree);
        s.context = next;
        s.secrets = secrets;
        s.confirmationTag = tag.clone();
        s.interimTranscriptHash = TranscriptHashes.interim(s.suite(), confirmed, tag);
        s.secretTree = secrets.secretTree(s.tree.leafCount());
        s.proposals.clear();
        s.pendingUpdateKeys.clear();
        s.rememberResumptionPsk();
    }

    /** The provisional GroupContext (Section 12.4): next epoch, new tree hash and extensions, old confirmed transcript hash. */
    private static UnaryOperator<byte[]> provisionalContext(GroupContext old, List<Extension> extensions) {
        return treeHash -> new GroupContext(old.cipherSuite(), old.groupId(), old.epoch() + 1, Bytes.copyOf(treeHash),
                old.confirmedTranscriptHash(), extensions).toBytes();
    }

    /**
     * Holds the external joiner's leaf slot while TreeKEM merges its UpdatePath, which then
     * installs the real leaf. Its one-byte key is no KEM's key, so it cannot collide with a key of
     * the UpdatePath in TreeKEM's freshness check, and it is never hashed or used.
     */
    private static LeafNode reservation(LeafNode joiner) {
        return new LeafNode(new HpkePublicKey(new byte[1]), joiner.signatureKey(), joiner.credential(),
                joiner.capabilities(), joiner.leafNodeSource(), joiner.lifetime(), joiner.parentHash(),
                joiner.extensions(), joiner.signature());
    }
}
