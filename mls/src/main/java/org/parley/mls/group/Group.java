package org.parley.mls.group;

import org.parley.mls.ProtocolVersion;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.credentials.Credential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExtensionType;
import org.parley.mls.extensions.ExternalPub;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.FramedContent;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.Sender;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.messages.PreSharedKeyID;
import org.parley.mls.messages.Proposal;
import org.parley.mls.messages.ProposalOrRef;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.KeySchedule;
import org.parley.mls.schedule.TranscriptHashes;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;
import org.parley.mls.tree.Parallelism;
import org.parley.mls.tree.RatchetTree;
import org.parley.mls.tree.TreePrivateKeys;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One member's view of an MLS group (RFC 9420): the API the client SDK uses.
 *
 * <ul>
 *   <li>Create with {@link #create}, join with {@link #joinFromWelcome} or {@link #joinByExternalCommit}.</li>
 *   <li>Change the group with {@link #addMembers}, {@link #removeMembers}, {@link #update} (each a Commit,
 *       returned as a {@link CommitResult} to merge with {@link #mergePendingCommit} once the delivery
 *       service accepted it, or drop with {@link #discardPendingCommit}); or propose with
 *       {@link #proposeAdd}, {@link #proposeRemove}, {@link #proposeUpdate} for another member to commit.</li>
 *   <li>Feed every incoming MLSMessage to {@link #process}; send data with {@link #encrypt}.</li>
 *   <li>Save with {@link #toBytes}, restore with {@link #fromBytes}.</li>
 * </ul>
 *
 * <p>Every failing call throws {@link MlsProtocolException} and leaves the group exactly as it
 * was: work happens on a copy of the state that replaces the current one only on success.
 * Not thread-safe: a caller serialises access to one group.
 */
public final class Group {
    private final GroupConfig config;
    private GroupState state;
    /** Who signed the GroupInfo of the Welcome this object joined by; null otherwise. Not saved. */
    private final Member inviter;

    private Group(GroupConfig config, GroupState state) {
        this(config, state, null);
    }

    private Group(GroupConfig config, GroupState state, Member inviter) {
        this.config = config;
        this.state = state;
        this.inviter = inviter;
    }

    /**
     * A group joined from a Welcome, once the application's policy accepted every member
     * (RFC 9420 Section 5.3.1); the GroupInfo's signer is the committer that added this member.
     */
    private static Group welcomed(GroupConfig config, GroupState s, int signer) {
        Member inviter = Member.of(signer, s.tree.leaf(signer));
        config.policy().checkGroup(new GroupView(s.context.groupId(), s.context.epoch(), Member.all(s.tree),
                s.context.extensions(), inviter));
        return new Group(config, s, inviter);
    }

    // --- creating and joining ---

    /** A new one-member group at epoch 0 (Section 11), with the given GroupContext extensions. */
    public static Group create(GroupConfig config, CipherSuite suite, byte[] groupId, Credential credential,
                               SignatureKeyPair signatureKeys, List<Extension> groupExtensions) {
        return create(config, suite, groupId, credential, signatureKeys, KeyPackageBundle.defaultCapabilities(suite), groupExtensions);
    }

    /**
     * As {@link #create(GroupConfig, CipherSuite, byte[], Credential, SignatureKeyPair, List)}, with a creator's
     * leaf that declares {@code capabilities} (for an application's own group context extensions, Section 12.1.7).
     */
    public static Group create(GroupConfig config, CipherSuite suite, byte[] groupId, Credential credential,
                               SignatureKeyPair signatureKeys, Capabilities capabilities, List<Extension> groupExtensions) {
        HpkeKeyPair leafKeys = suite.generateHpkeKeyPair(config.random());
        LeafNode leaf = new LeafNode(leafKeys.publicKey(), signatureKeys.publicKey(), credential,
                capabilities, LeafNodeSource.KEY_PACKAGE, KeyPackageBundle.UNBOUNDED, null,
                List.of(), Bytes.EMPTY).sign(suite, signatureKeys.privateKey(), groupId, 0);
        RatchetTree tree = RatchetTree.withFirstLeaf(suite, leaf);
        GroupContext context = new GroupContext(suite, groupId, 0, tree.treeHash(), new byte[0], groupExtensions);
        byte[] initSecret = new byte[suite.hashLength()];
        config.random().nextBytes(initSecret);
        EpochSecrets secrets = KeySchedule.fromInitSecret(suite, initSecret, new byte[suite.hashLength()], null, context);
        GroupState s = new GroupState();
        s.context = context;
        s.tree = tree;
        s.confirmationTag = secrets.confirmationTag(new byte[0]);
        s.interimTranscriptHash = TranscriptHashes.interim(suite, new byte[0], s.confirmationTag);
        s.secrets = secrets;
        s.secretTree = secrets.secretTree(tree.leafCount());
        s.myLeaf = 0;
        s.myKeys = new TreePrivateKeys(0, leafKeys.privateKey());
        s.signatureKey = signatureKeys.privateKey();
        s.rememberResumptionPsk();
        return new Group(config, s);
    }

    /**
     * Joins from a Welcome MLSMessage (Section 12.4.3.1) with the KeyPackage it was made for.
     * {@code ratchetTree} is the tree when the Welcome's GroupInfo carries none, else null.
     */
    public static Group joinFromWelcome(GroupConfig config, byte[] welcomeMessage, KeyPackageBundle keyPackage,
                                        byte[] ratchetTree) {
        Welcomes.Opened opened = Welcomes.open(Welcomes.decodeWelcome(welcomeMessage), keyPackage.keyPackage(),
                keyPackage.initKey(), config.pskStore(), false);
        GroupState s = Welcomes.join(opened, keyPackage.keyPackage(), keyPackage.leafKey(), keyPackage.signatureKey(), ratchetTree,
                config.parallelism());
        return welcomed(config, s, opened.groupInfo().signer());
    }

    /**
     * Joins the successor of {@code oldGroup}, whose last Commit applied a ReInit (Section 11.2),
     * from the Welcome a member sent for it. Checks that the Welcome names the old group's
     * reinit PSK, that the new group is at epoch 1 with the ReInit's group id, cipher suite and
     * extensions, and that every member of the old group is a member of the new one.
     */
    public static Group joinFromReInitWelcome(GroupConfig config, byte[] welcomeMessage, KeyPackageBundle keyPackage,
                                              byte[] ratchetTree, Group oldGroup) {
        Proposal.ReInit reInit = oldGroup.requireReInit();
        Welcomes.Opened opened = Welcomes.open(Welcomes.decodeWelcome(welcomeMessage), keyPackage.keyPackage(),
                keyPackage.initKey(), oldGroup.reInitPskStore(config.pskStore()), true);
        PreSharedKeyID link = Welcomes.linkedGroupPsk(opened.secrets());
        if (link.usage() != PreSharedKeyID.USAGE_REINIT || !link.pskGroupId().equals(Bytes.copyOf(oldGroup.groupId()))
                || link.pskEpoch() != oldGroup.epoch()) {
            throw new MlsProtocolException("the Welcome does not name the old group's reinit PSK of epoch " + oldGroup.epoch());
        }
        GroupState s = Welcomes.join(opened, keyPackage.keyPackage(), keyPackage.leafKey(), keyPackage.signatureKey(), ratchetTree,
                config.parallelism());
        GroupContext context = s.context;
        if (context.epoch() != 1 || !reInit.groupId().equals(context.groupId())
                || context.cipherSuite().id() != reInit.cipherSuite() || reInit.version() != ProtocolVersion.MLS10
                || !context.extensions().equals(reInit.extensions())) {
            throw new MlsProtocolException("the new group does not match the ReInit (epoch 1, group id, version, cipher suite, extensions)");
        }
        Set<Bytes> newMembers = new HashSet<>();
        for (int leaf : s.tree.memberLeaves()) {
            newMembers.add(Bytes.copyOf(s.tree.leaf(leaf).credential().toBytes()));
        }
        for (Member old : oldGroup.members()) {
            if (!newMembers.contains(Bytes.copyOf(old.credential().toBytes()))) {
                throw new MlsProtocolException("member " + old.leafIndex() + " of the old group is missing from the re-initialised group");
            }
        }
        return welcomed(config, s, opened.groupInfo().signer());
    }

    /**
     * Joins by external Commit (Section 12.4.3.2) from a GroupInfo MLSMessage that carries
     * external_pub. Send {@link ExternalJoin#commitMessage()}; use the group once it is accepted.
     */
    public static ExternalJoin joinByExternalCommit(GroupConfig config, byte[] groupInfoMessage, byte[] ratchetTree,
                                                    Credential credential, SignatureKeyPair signatureKeys) {
        return externalCommit(config, groupInfoMessage, ratchetTree, credential, signatureKeys, null);
    }

    /**
     * Rejoins with a fresh leaf by external Commit that also removes this member's old leaf (the
     * "resync" of Section 12.4.3.2), for a member whose state fell out of step. This group is unchanged.
     */
    public ExternalJoin resync(byte[] groupInfoMessage, byte[] ratchetTree) {
        LeafNode me = state.myLeafNode();
        SignatureKeyPair keys = new SignatureKeyPair(state.signatureKey, me.signatureKey());
        return externalCommit(config, groupInfoMessage, ratchetTree, me.credential(), keys, state.myLeaf);
    }

    /**
     * A proposal by a new member to add itself (sender new_member_proposal, Section 12.1.8),
     * for the group and epoch of a GroupInfo MLSMessage; once a member commits it, the joiner
     * receives a Welcome for {@code keyPackage}. The GroupInfo's signature is checked first.
     */
    public static byte[] proposeJoin(byte[] groupInfoMessage, byte[] ratchetTree, KeyPackageBundle keyPackage) {
        GroupInfo info = decodeGroupInfo(groupInfoMessage);
        Welcomes.validatedTree(info, ratchetTree, Parallelism.NONE);
        CipherSuite suite = info.groupContext().cipherSuite();
        FramedContent content = new FramedContent(info.groupContext().groupId(), info.groupContext().epoch(),
                new Sender.NewMemberProposal(), new byte[0], ContentType.PROPOSAL,
                new Proposal.Add(keyPackage.keyPackage()).toBytes());
        AuthenticatedContent ac = AuthenticatedContent.signed(suite, WireFormat.MLS_PUBLIC_MESSAGE, content,
                keyPackage.signatureKey(), null);
        return new MlsMessage(PublicMessage.protect(suite, ac, null, null)).toBytes();
    }

    /** An external Commit joining with {@code credential}, removing {@code oldLeaf} when not null (resync). */
    static ExternalJoin externalCommit(GroupConfig config, byte[] groupInfoMessage, byte[] ratchetTree,
                                               Credential credential, SignatureKeyPair signatureKeys, Integer oldLeaf) {
        GroupInfo info = decodeGroupInfo(groupInfoMessage);
        CipherSuite suite = info.groupContext().cipherSuite();
        RatchetTree tree = Welcomes.validatedTree(info, ratchetTree, config.parallelism());
        Extension pubExtension = Extension.find(info.extensions(), ExtensionType.EXTERNAL_PUB);
        if (pubExtension == null) {
            throw new MlsProtocolException("the GroupInfo has no external_pub extension: the group does not accept external joins");
        }
        HpkePublicKey externalPub = new HpkePublicKey(ExternalPub.from(pubExtension).externalPub().toByteArray());
        KeySchedule.ExternalInit init = KeySchedule.externalInit(suite, externalPub, config.random());

        GroupState s = new GroupState();
        s.context = info.groupContext();
        s.tree = tree;
        s.confirmationTag = info.confirmationTag().toByteArray();
        s.interimTranscriptHash = TranscriptHashes.interim(suite, s.context.confirmedTranscriptHash().toByteArray(), s.confirmationTag);
        s.myLeaf = -1;
        s.signatureKey = signatureKeys.privateKey();
        List<ProposalOrRef> proposals = new ArrayList<>();
        proposals.add(ProposalOrRef.of(new Proposal.ExternalInit(init.kemOutput())));
        if (oldLeaf != null) {
            if (tree.leaf(oldLeaf) == null || !tree.leaf(oldLeaf).signatureKey().equals(signatureKeys.publicKey())) {
                throw new MlsProtocolException("this member's old leaf " + oldLeaf + " is not in the GroupInfo's tree");
            }
            proposals.add(ProposalOrRef.of(new Proposal.Remove(oldLeaf)));
        }
        LeafNode template = new LeafNode(suite.generateHpkeKeyPair(config.random()).publicKey(), signatureKeys.publicKey(),
                credential, KeyPackageBundle.defaultCapabilities(suite), LeafNodeSource.KEY_PACKAGE,
                KeyPackageBundle.UNBOUNDED, null, List.of(), Bytes.EMPTY);
        Commits.Created created = Commits.create(s, proposals, true, init.initSecret().copyBytes(), options(config, s, template, true));
        GroupState joined = created.next();
        // The group as the joiner will be in it; no member invited it (signer null).
        config.policy().checkGroup(new GroupView(joined.context.groupId(), joined.context.epoch(), Member.all(joined.tree),
                joined.context.extensions(), null));
        return new ExternalJoin(created.commitMessage(), new Group(config, joined));
    }

    // --- re-initialisation (Section 11.2) ---

    /** Commits a ReInit to a new group id, cipher suite and extensions; once merged the group is closed. */
    public CommitResult commitReInit(byte[] newGroupId, CipherSuite newSuite, List<Extension> newExtensions) {
        return commit(List.of(new Proposal.ReInit(Bytes.copyOf(newGroupId), ProtocolVersion.MLS10, newSuite.id(), newExtensions)), false);
    }

    /** Whether a Commit applied a ReInit: the group then sends nothing more and awaits its successor. */
    public boolean isReInitialised() {
        return state.reInit != null;
    }

    /**
     * Creates the successor group the ReInit describes, with this member as creator (using
     * {@code credential} and a signature key pair for the new cipher suite) and the members of
     * {@code keyPackageMessages}, at epoch 1, linked to this group by the reinit PSK. Send the
     * Welcome to the other members; they call {@link #joinFromReInitWelcome}.
     */
    public ReInitialized reinitialize(List<byte[]> keyPackageMessages, Credential credential, SignatureKeyPair signatureKeys) {
        Proposal.ReInit reInit = requireReInit();
        CipherSuite suite = CipherSuite.fromId(reInit.cipherSuite());
        GroupConfig successorConfig = config.withPskStore(reInitPskStore(config.pskStore()));
        Group successor = create(successorConfig, suite, reInit.groupId().toByteArray(), credential, signatureKeys, reInit.extensions());
        PreSharedKeyID link = PreSharedKeyID.resumption(PreSharedKeyID.USAGE_REINIT, Bytes.copyOf(groupId()), epoch(), pskNonce(suite));
        GroupState work = successor.state.copy();
        List<ProposalOrRef> adds = new ArrayList<>();
        for (byte[] kp : keyPackageMessages) {
            adds.add(ProposalOrRef.of(new Proposal.Add(KeyPackageBundle.decodePublic(kp))));
        }
        Commits.Created created = Commits.create(work, adds, false, work.secrets.initSecret().copyBytes(),
                options(successorConfig, work, work.myLeafNode(), false).withWelcomeOnlyPsks(List.of(link)));
        return new ReInitialized(new Group(config, created.next()), created.welcome());
    }

    private Proposal.ReInit requireReInit() {
        requireActive();
        if (state.reInit == null) {
            throw new IllegalStateException("no Commit has re-initialised this group");
        }
        return state.reInit;
    }

    /** {@code base}, plus this epoch's resumption PSK under this group's id and epoch. */
    private PskStore reInitPskStore(PskStore base) {
        byte[] id = groupId();
        long epoch = epoch();
        byte[] psk = state.secrets.resumptionPsk().copyBytes();
        return new PskStore() {
            @Override
            public byte[] externalPsk(byte[] pskId) {
                return base.externalPsk(pskId);
            }

            @Override
            public byte[] resumptionPsk(byte[] groupId, long pskEpoch) {
                return Arrays.equals(groupId, id) && pskEpoch == epoch ? psk.clone() : base.resumptionPsk(groupId, pskEpoch);
            }
        };
    }

    // --- changing the group by Commit ---

    /** Commits Adds of the given KeyPackages (MLSMessages), plus any proposals received this epoch. */
    public CommitResult addMembers(List<byte[]> keyPackageMessages) {
        List<Proposal> adds = new ArrayList<>(keyPackageMessages.size());
        for (byte[] kp : keyPackageMessages) {
            adds.add(new Proposal.Add(KeyPackageBundle.decodePublic(kp)));
        }
        return commit(adds, false);
    }

    /** Commits Removes of the members at these leaf indices, plus any proposals received this epoch. */
    public CommitResult removeMembers(List<Integer> leafIndices) {
        List<Proposal> removes = new ArrayList<>(leafIndices.size());
        for (int leaf : leafIndices) {
            removes.add(new Proposal.Remove(leaf));
        }
        return commit(removes, false);
    }

    /** Commits a fresh leaf and path for this member (post-compromise security), plus any proposals received. */
    public CommitResult update() {
        return commit(List.of(), true);
    }

    /**
     * Commits a GroupContextExtensions proposal (Section 12.1.7) replacing the group's extensions,
     * for example to set required_capabilities or external_senders. Every member must support them.
     */
    public CommitResult updateGroupContextExtensions(List<Extension> extensions) {
        return commit(List.of(new Proposal.GroupContextExtensions(extensions)), true);
    }

    /** The GroupContext extensions of this epoch. */
    public List<Extension> groupContextExtensions() {
        return state.context.extensions();
    }

    /** Commits a PreSharedKey proposal for the external PSK {@code pskId} (found in the config's PskStore), with a fresh nonce. */
    public CommitResult commitExternalPsk(byte[] pskId) {
        return commit(List.of(new Proposal.PreSharedKey(PreSharedKeyID.external(Bytes.copyOf(pskId), pskNonce(state.suite())))), false);
    }

    /** Commits a PreSharedKey proposal for the resumption PSK of {@code groupId}'s {@code epoch} (this group's recent epochs or the PskStore). */
    public CommitResult commitResumptionPsk(byte[] groupId, long epoch) {
        return commit(List.of(new Proposal.PreSharedKey(PreSharedKeyID.resumption(PreSharedKeyID.USAGE_APPLICATION, Bytes.copyOf(groupId),
                epoch, pskNonce(state.suite())))), false);
    }

    /** A fresh psk_nonce of KDF.Nh bytes (Section 8.4). */
    private Bytes pskNonce(CipherSuite suite) {
        byte[] nonce = new byte[suite.hashLength()];
        config.random().nextBytes(nonce);
        return Bytes.copyOf(nonce);
    }

    /** Commits the proposals received this epoch (by reference), with a path. */
    public CommitResult commitPendingProposals() {
        return commit(List.of(), true);
    }

    private CommitResult commit(List<Proposal> byValue, boolean forcePath) {
        requireOpen();
        GroupState work = state.copy();
        List<ProposalOrRef> proposals = new ArrayList<>();
        Set<Integer> targeted = new HashSet<>();
        for (Proposal p : byValue) {
            proposals.add(ProposalOrRef.of(p));
            if (p instanceof Proposal.Remove r) {
                targeted.add(r.removed());
            }
        }
        // Received proposals ride along by reference (Section 12.2): Removes first, so that a
        // Remove wins over an Update of the same leaf; a leaf a by-value proposal already targets
        // is skipped; so are this member's own Updates (its path replaces them) and any Remove
        // of this member, which only another member can commit.
        for (boolean removes : new boolean[] {true, false}) {
            for (Map.Entry<Bytes, GroupState.CachedProposal> e : work.proposals.entrySet()) {
                Proposal p = e.getValue().proposal();
                if (p instanceof Proposal.Remove != removes) {
                    continue;
                }
                Integer target = p instanceof Proposal.Remove r ? Integer.valueOf(r.removed())
                        : p instanceof Proposal.Update && e.getValue().sender() instanceof Sender.Member m
                        ? Integer.valueOf(m.leafIndex()) : null;
                if (target != null && target == work.myLeaf) {
                    forcePath |= p instanceof Proposal.Update;
                    continue;
                }
                if (target == null || targeted.add(target)) {
                    proposals.add(ProposalOrRef.ofReference(e.getKey()));
                }
            }
        }
        long baseEpoch = work.context.epoch();
        Commits.Created created = Commits.create(work, proposals, false, work.secrets.initSecret().copyBytes(),
                options(config, work, work.myLeafNode(), forcePath));
        return new CommitResult(created.commitMessage(), created.welcome(),
                new PendingCommit(this, baseEpoch, created.next(), created.summary()));
    }

    private static Commits.Options options(GroupConfig config, GroupState s, LeafNode template, boolean forcePath) {
        return new Commits.Options(s.signatureKey, template, forcePath, config.encryptHandshake(),
                config::paddingFor, config.ratchetTreeInWelcome(), config.pskStore(), config.random(), List.of(), config.policy());
    }

    /**
     * Enters the epoch of a Commit this member created, once the delivery service accepted it.
     * Fails if the group has meanwhile moved to another epoch (another Commit won).
     */
    public ProcessedMessage.CommitApplied mergePendingCommit(PendingCommit pending) {
        requireActive();
        if (pending.baseEpoch() != state.context.epoch()) {
            throw new IllegalStateException("the pending commit was made in epoch " + pending.baseEpoch()
                    + " but the group is at epoch " + state.context.epoch() + ": discard it and redo the change");
        }
        pending.settle(this);
        state = pending.next;
        return pending.summary;
    }

    /** Drops a pending commit the delivery service rejected; the group stays in its epoch. */
    public void discardPendingCommit(PendingCommit pending) {
        pending.settle(this);
    }

    // --- proposals ---

    /** A proposal to add the member of this KeyPackage MLSMessage, for any member to commit. */
    public byte[] proposeAdd(byte[] keyPackageMessage) {
        return propose(new Proposal.Add(KeyPackageBundle.decodePublic(keyPackageMessage)));
    }

    /** A proposal to remove the member at this leaf. */
    public byte[] proposeRemove(int leafIndex) {
        return propose(new Proposal.Remove(leafIndex));
    }

    /** A proposal to replace this member's leaf with a fresh encryption key (Section 12.1.2). */
    public byte[] proposeUpdate() {
        requireOpen();
        CipherSuite suite = state.suite();
        HpkeKeyPair keys = suite.generateHpkeKeyPair(config.random());
        LeafNode me = state.myLeafNode();
        LeafNode leaf = new LeafNode(keys.publicKey(), me.signatureKey(), me.credential(), me.capabilities(),
                LeafNodeSource.UPDATE, null, null, me.extensions(), Bytes.EMPTY)
                .sign(suite, state.signatureKey, state.context.groupId().toByteArray(), state.myLeaf);
        GroupState work = state.copy();
        work.pendingUpdateKeys.put(keys.publicKey(), keys.privateKey());
        return propose(work, new Proposal.Update(leaf));
    }

    private byte[] propose(Proposal proposal) {
        requireOpen();
        return propose(state.copy(), proposal);
    }

    private byte[] propose(GroupState work, Proposal proposal) {
        CipherSuite suite = work.suite();
        WireFormat wireFormat = config.encryptHandshake() ? WireFormat.MLS_PRIVATE_MESSAGE : WireFormat.MLS_PUBLIC_MESSAGE;
        FramedContent content = new FramedContent(work.context.groupId(), work.context.epoch(), new Sender.Member(work.myLeaf),
                new byte[0], ContentType.PROPOSAL, proposal.toBytes());
        AuthenticatedContent ac = AuthenticatedContent.signed(suite, wireFormat, content, work.signatureKey, work.context);
        work.proposals.put(Bytes.copyOf(suite.makeProposalRef(ac.toBytes())),
                new GroupState.CachedProposal(proposal, content.sender()));
        byte[] message = protect(work, ac);
        state = work;
        return message;
    }

    private byte[] protect(GroupState work, AuthenticatedContent ac) {
        CipherSuite suite = work.suite();
        MlsMessage.Body body = ac.wireFormat() == WireFormat.MLS_PRIVATE_MESSAGE
                ? PrivateMessage.protect(suite, ac, work.secretTree, work.secrets.senderDataSecret(),
                config.paddingFor(ac), config.random())
                : PublicMessage.protect(suite, ac, work.secrets.membershipKey().copyBytes(), work.context);
        return new MlsMessage(body).toBytes();
    }

    // --- messages ---

    /** Encrypts application data as a PrivateMessage (Section 6.3), padded per the config. */
    public byte[] encrypt(byte[] data, byte[] authenticatedData) {
        requireOpen();
        GroupState work = state.copy();
        FramedContent content = new FramedContent(work.context.groupId(), work.context.epoch(), new Sender.Member(work.myLeaf),
                authenticatedData, ContentType.APPLICATION, data);
        AuthenticatedContent ac = AuthenticatedContent.signed(work.suite(), WireFormat.MLS_PRIVATE_MESSAGE, content,
                work.signatureKey, work.context);
        byte[] message = protect(work, ac);
        state = work;
        return message;
    }

    /** {@link #encrypt(byte[], byte[])} without authenticated data. */
    public byte[] encrypt(byte[] data) {
        return encrypt(data, new byte[0]);
    }

    /**
     * Processes an incoming PublicMessage or PrivateMessage of this group: verifies it, and applies
     * it (a proposal is stored, a Commit the policy accepts moves to the next epoch). On any failure
     * the group is unchanged and the MlsProtocolException says what was wrong; a message that could
     * not be read throws an {@link UnreadableMessageException} that says why.
     */
    public ProcessedMessage process(byte[] mlsMessage) {
        requireActive();
        GroupState work = state.copy();
        ProcessedMessage result = Processing.process(work, mlsMessage, config);
        state = work;
        return result;
    }

    // --- GroupInfo, exporter, members ---

    /** A signed GroupInfo MLSMessage for this epoch with external_pub, so others can join by external Commit. */
    public byte[] groupInfo(boolean includeRatchetTree) {
        requireOpen();
        List<Extension> extensions = new ArrayList<>();
        extensions.add(new ExternalPub(Bytes.copyOf(state.secrets.externalKeyPair().publicKey().bytes())).toExtension());
        if (includeRatchetTree) {
            extensions.add(new Extension(ExtensionType.RATCHET_TREE, state.tree.encode()));
        }
        GroupInfo info = new GroupInfo(state.context, extensions, Bytes.copyOf(state.confirmationTag), state.myLeaf, Bytes.EMPTY)
                .sign(state.signatureKey);
        return new MlsMessage(new MlsMessage.EncodedBody(WireFormat.MLS_GROUP_INFO, info.toBytes())).toBytes();
    }

    /** The encoded ratchet tree, for joiners when GroupInfos and Welcomes are sent without it. */
    public byte[] ratchetTree() {
        return state.tree.encode();
    }

    private static GroupInfo decodeGroupInfo(byte[] mlsMessage) {
        MlsMessage message = MlsMessage.decode(mlsMessage, HandshakeBodies.INSTANCE);
        if (!(message.body() instanceof MlsMessage.EncodedBody body) || body.wireFormat() != WireFormat.MLS_GROUP_INFO) {
            throw new MlsProtocolException("expected a GroupInfo, got an MLSMessage of wire format " + message.wireFormat());
        }
        return TlsReader.decodeExactly(body.bytes(), GroupInfo::decode, "GroupInfo");
    }

    /** MLS-Exporter(label, context, length) of this epoch (Section 8.5). */
    public byte[] exportSecret(String label, byte[] context, int length) {
        requireActive();
        return state.secrets.exporter(label, context, length);
    }

    /** The epoch_authenticator (Section 8.7): equal at every member of the same epoch. */
    public byte[] epochAuthenticator() {
        return state.secrets.epochAuthenticator().copyBytes();
    }

    public long epoch() {
        return state.context.epoch();
    }

    public byte[] groupId() {
        return state.context.groupId().toByteArray();
    }

    public CipherSuite cipherSuite() {
        return state.suite();
    }

    /** This member's leaf index. */
    public int ownLeafIndex() {
        return state.myLeaf;
    }

    /** False once a Commit removed this member; then only reading and saving work. */
    public boolean isActive() {
        return state.active;
    }

    /** The members, by increasing leaf index. */
    public List<Member> members() {
        return Member.all(state.tree);
    }

    /**
     * The member who invited this one: the signer of the Welcome's GroupInfo (RFC 9420 Section
     * 12.4.3.1), that is the committer that added it, as of the epoch joined. Known only to the
     * object {@link #joinFromWelcome} or {@link #joinFromReInitWelcome} returned; null for a group
     * this member created or joined by external Commit, and after {@link #fromBytes} (record it
     * right after joining if it matters later).
     */
    public Member inviter() {
        return inviter;
    }

    /** The member at a leaf, or null when the leaf is blank. */
    public Member member(int leafIndex) {
        LeafNode leaf = state.tree.leaf(leafIndex);
        return leaf == null ? null : Member.of(leafIndex, leaf);
    }

    private void requireActive() {
        if (!state.active) {
            throw new IllegalStateException("this member was removed from the group in epoch " + state.context.epoch());
        }
    }

    /** Sending (messages, proposals, Commits) also stops once a ReInit closed the group. */
    private void requireOpen() {
        requireActive();
        if (state.reInit != null) {
            throw new IllegalStateException("the group was re-initialised in epoch " + state.context.epoch()
                    + ": continue in its successor");
        }
    }

    // --- saving ---

    /**
     * The whole state (version byte, TLS encoding, SHA-256 checksum), private keys included: store
     * it as a secret. Pending commits are not part of it.
     */
    public byte[] toBytes() {
        return state.toBytes();
    }

    /** Restores {@link #toBytes()}; a blob of another format, version or a corrupted one is a DecodeException. */
    public static Group fromBytes(GroupConfig config, byte[] saved) {
        return new Group(config, GroupState.fromBytes(saved));
    }

    @Override
    public String toString() {
        return "Group[" + state + "]";
    }
}
