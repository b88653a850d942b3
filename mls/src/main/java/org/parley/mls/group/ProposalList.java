package org.parley.mls.group;

import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExtensionType;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.framing.Sender;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.keypackages.KeyPackageValidation;
import org.parley.mls.messages.Commit;
import org.parley.mls.messages.PreSharedKeyID;
import org.parley.mls.messages.Proposal;
import org.parley.mls.messages.ProposalOrRef;
import org.parley.mls.messages.ProposalType;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.LeafNodeValidation;
import org.parley.mls.tree.RatchetTree;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The proposals a Commit covers: resolving references through the proposal cache (Section 12.4),
 * validating the list (Section 12.2, with the per-proposal rules of Section 12.1) and applying it
 * to the ratchet tree and GroupContext extensions in the order of Section 12.3.
 *
 * <p>Every check uses hash sets or maps built once per Commit, so validating and applying a list
 * costs time linear in the group size plus the proposals, never their product.
 */
final class ProposalList {
    /** A proposal with its sender: the committer for proposals by value, the original sender for references. */
    record Committed(Proposal proposal, Sender sender) {
    }

    /**
     * What applying the list produced (Section 12.3). {@code removedBy} is the sender of the
     * proposal behind each removal (the committer for one sent by value).
     */
    record Applied(List<Extension> extensions, Map<Integer, KeyPackage> added, List<Integer> removed,
                   List<Integer> updated, List<PreSharedKeyID> psks, Proposal.ExternalInit externalInit,
                   Proposal.ReInit reInit, boolean pathRequired, Map<Integer, Sender> removedBy) {
    }

    private ProposalList() {
    }

    /** The proposals of a Commit in order, references resolved against this epoch's cache. */
    static List<Committed> resolve(Commit commit, Sender committer, Map<Bytes, GroupState.CachedProposal> cache) {
        List<Committed> out = new ArrayList<>(commit.proposals().size());
        for (ProposalOrRef p : commit.proposals()) {
            if (p.proposal() != null) {
                out.add(new Committed(p.proposal(), committer));
            } else {
                if (committer.senderType() == Sender.NEW_MEMBER_COMMIT) {
                    throw new MlsProtocolException("an external Commit must not include proposals by reference (Section 12.4.3.2)");
                }
                GroupState.CachedProposal cached = cache.get(p.reference());
                if (cached == null) {
                    throw new MlsProtocolException("Commit references proposal " + p.reference().toHex()
                            + " that was not received in this epoch");
                }
                out.add(new Committed(cached.proposal(), cached.sender()));
            }
        }
        return out;
    }

    /**
     * Validates the list and applies it to {@code tree} (the staged copy of the next epoch's tree).
     * {@code committerLeaf} is the committing member, or -1 for an external Commit.
     */
    static Applied validateAndApply(GroupState state, RatchetTree tree, List<Committed> proposals, int committerLeaf) {
        CipherSuite suite = state.suite();
        byte[] groupId = state.context.groupId().toByteArray();
        boolean external = committerLeaf < 0;
        List<Proposal.Update> updates = new ArrayList<>();
        List<Integer> updaters = new ArrayList<>();
        List<Integer> removed = new ArrayList<>();
        Map<Integer, Sender> removedBy = new LinkedHashMap<>();
        List<KeyPackage> adds = new ArrayList<>();
        List<PreSharedKeyID> psks = new ArrayList<>();
        Set<Bytes> pskIds = new HashSet<>();
        Set<Integer> touchedLeaves = new HashSet<>();
        Proposal.GroupContextExtensions gce = null;
        Proposal.ExternalInit externalInit = null;
        Proposal.ReInit reInit = null;
        List<Integer> unknownTypes = new ArrayList<>();
        boolean pathRequired = proposals.isEmpty();

        for (Committed c : proposals) {
            Proposal p = c.proposal();
            checkSenderMayPropose(c.sender(), p);
            if (p instanceof Proposal.Add add) {
                adds.add(add.keyPackage());
            } else if (p instanceof Proposal.Update update) {
                int sender = ((Sender.Member) c.sender()).leafIndex();
                if (sender == committerLeaf) {
                    throw new MlsProtocolException("the committer must not commit its own Update proposal");
                }
                requireMember(tree, sender, "Update");
                if (!touchedLeaves.add(sender)) {
                    throw new MlsProtocolException("two Update or Remove proposals apply to leaf " + sender);
                }
                updates.add(update);
                updaters.add(sender);
            } else if (p instanceof Proposal.Remove remove) {
                int target = remove.removed();
                requireMember(tree, target, "Remove");
                if (target == committerLeaf) {
                    throw new MlsProtocolException("a Commit must not remove its committer");
                }
                if (!touchedLeaves.add(target)) {
                    throw new MlsProtocolException("two Update or Remove proposals apply to leaf " + target);
                }
                removed.add(target);
                removedBy.put(target, c.sender());
            } else if (p instanceof Proposal.PreSharedKey psk) {
                PreSharedKeyID id = psk.psk();
                if (id.pskType() == PreSharedKeyID.RESUMPTION && id.usage() != PreSharedKeyID.USAGE_APPLICATION) {
                    throw new MlsProtocolException("a PreSharedKey proposal's resumption PSK must have usage application");
                }
                if (id.pskNonce().length() != suite.hashLength()) {
                    throw new MlsProtocolException("PreSharedKey psk_nonce has " + id.pskNonce().length()
                            + " bytes, KDF.Nh is " + suite.hashLength());
                }
                if (!pskIds.add(Bytes.copyOf(id.toBytes()))) {
                    throw new MlsProtocolException("two PreSharedKey proposals name the same PSK");
                }
                psks.add(id);
            } else if (p instanceof Proposal.ReInit r) {
                if (r.version() < ProtocolVersion.MLS10) {
                    throw new MlsProtocolException("ReInit to version " + r.version() + " is older than the group's");
                }
                reInit = r;
            } else if (p instanceof Proposal.ExternalInit e) {
                // Only a new member committing may send one (checkSenderMayPropose): a member's Commit never holds one.
                if (externalInit != null) {
                    throw new MlsProtocolException("an external Commit contains more than one ExternalInit");
                }
                externalInit = e;
            } else if (p instanceof Proposal.GroupContextExtensions g) {
                if (gce != null) {
                    throw new MlsProtocolException("a Commit contains more than one GroupContextExtensions proposal");
                }
                gce = g;
            } else {
                unknownTypes.add(p.proposalType());
            }
            int type = p.proposalType();
            pathRequired |= type != ProposalType.ADD && type != ProposalType.PSK && type != ProposalType.REINIT;
        }

        if (reInit != null && proposals.size() > 1) {
            throw new MlsProtocolException("a ReInit proposal must be the only proposal of its Commit");
        }
        if (external) {
            if (externalInit == null) {
                throw new MlsProtocolException("an external Commit must contain exactly one ExternalInit proposal");
            }
            if (removed.size() > 1 || !adds.isEmpty() || !updates.isEmpty() || gce != null || reInit != null
                    || !unknownTypes.isEmpty()) {
                throw new MlsProtocolException("an external Commit may hold only ExternalInit, at most one Remove and PreSharedKeys");
            }
        }

        // Section 12.3 order: extensions, Updates, Removes, Adds.
        List<Extension> extensions = gce != null ? gce.extensions() : state.context.extensions();
        RequiredCapabilities required = GroupState.requiredCapabilities(extensions);
        for (int i = 0; i < updates.size(); i++) {
            int leaf = updaters.get(i);
            LeafNode node = updates.get(i).leafNode();
            LeafNodeValidation.validate(node, suite, LeafNodeSource.UPDATE, groupId, leaf, required);
            if (node.encryptionKey().equals(tree.leaf(leaf).encryptionKey())) {
                throw new MlsProtocolException("Update from leaf " + leaf + " keeps its current encryption key");
            }
            tree.updateLeaf(leaf, node);
        }
        for (int leaf : removed) {
            tree.removeLeaf(leaf);
        }
        Set<HpkePublicKey> initKeys = new HashSet<>();
        LinkedHashMap<Integer, KeyPackage> added = new LinkedHashMap<>();
        for (KeyPackage kp : adds) {
            KeyPackageValidation.validate(kp, ProtocolVersion.MLS10, suite, required);
            if (!initKeys.add(kp.initKey())) {
                throw new MlsProtocolException("two Add proposals carry the same init key");
            }
            added.put(tree.addLeaf(kp.leafNode()), kp);
        }
        if (!updates.isEmpty() || !adds.isEmpty()) {
            // Unique encryption and signature keys (so no Add duplicates a member still in the
            // group) and credential support (Section 7.3): only the new leaves' keys can collide.
            List<Integer> changed = new ArrayList<>(updaters);
            changed.addAll(added.keySet());
            tree.checkChangedLeaves(changed);
        }
        checkMembersSupport(tree, extensions, required, unknownTypes, gce != null);
        return new Applied(extensions, added, removed, updaters, psks, externalInit, reInit, pathRequired, removedBy);
    }

    /** Which senders may send which proposals (Sections 12.1.8 and 6). */
    private static void checkSenderMayPropose(Sender sender, Proposal p) {
        int type = p.proposalType();
        boolean ok = switch (sender.senderType()) {
            case Sender.MEMBER -> type != ProposalType.EXTERNAL_INIT;
            case Sender.EXTERNAL -> type == ProposalType.ADD || type == ProposalType.REMOVE || type == ProposalType.PSK
                    || type == ProposalType.REINIT || type == ProposalType.GROUP_CONTEXT_EXTENSIONS;
            case Sender.NEW_MEMBER_PROPOSAL -> type == ProposalType.ADD;
            case Sender.NEW_MEMBER_COMMIT -> type == ProposalType.EXTERNAL_INIT || type == ProposalType.REMOVE
                    || type == ProposalType.PSK;
            default -> false;
        };
        if (!ok) {
            throw new MlsProtocolException("sender " + sender + " may not propose " + p.getClass().getSimpleName());
        }
    }

    private static void requireMember(RatchetTree tree, int leaf, String what) {
        if (tree.leaf(leaf) == null) {
            throw new MlsProtocolException(what + " proposal names leaf " + Integer.toUnsignedString(leaf)
                    + ", which is not a member");
        }
    }

    /**
     * After the changes, every member supports the group's extensions (when they changed), the
     * required capabilities, and every non-default proposal type in the list (Sections 12.1.7, 12.2).
     * One pass over the members with set look-ups.
     */
    private static void checkMembersSupport(RatchetTree tree, List<Extension> extensions, RequiredCapabilities required,
                                            List<Integer> unknownTypes, boolean extensionsChanged) {
        if (!extensionsChanged && unknownTypes.isEmpty()) {
            return;
        }
        for (int leaf : tree.memberLeaves()) {
            Capabilities caps = tree.leaf(leaf).capabilities();
            Set<Integer> proposalTypes = new HashSet<>(caps.proposals());
            if (!proposalTypes.containsAll(unknownTypes)) {
                throw new MlsProtocolException("leaf " + leaf + " does not support a proposal type in the Commit");
            }
            if (extensionsChanged) {
                for (Extension e : extensions) {
                    if (!caps.supportsExtension(e.extensionType()) && e.extensionType() != ExtensionType.RATCHET_TREE) {
                        throw new MlsProtocolException("leaf " + leaf + " does not support group extension " + e.extensionType());
                    }
                }
                if (required != null && !required.isMetBy(caps)) {
                    throw new MlsProtocolException("leaf " + leaf + " does not meet the new required_capabilities");
                }
            }
        }
    }
}
