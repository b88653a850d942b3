package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePrivateKey;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExtensionType;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.framing.Sender;
import org.parley.mls.messages.Proposal;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.SecretTree;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.RatchetTree;
import org.parley.mls.tree.TreeMath;
import org.parley.mls.tree.TreePrivateKeys;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One member's complete state of a group in one epoch (RFC 9420 Sections 8-12): the GroupContext,
 * ratchet tree, interim transcript hash and confirmation tag, the epoch's secrets and secret tree,
 * this member's private keys, the proposals received in the epoch (keyed by ProposalRef), and the
 * resumption PSKs of recent epochs.
 *
 * <p>Mutable, but only ever changed on a {@link #copy()}: the group swaps the copy in once a
 * message has been fully validated, so a rejected message leaves the state exactly as it was.
 * The ratchet tree is the exception that proves the rule: it is replaced, never modified.
 */
final class GroupState {
    /** Format version of {@link #toBytes()}. */
    static final int STATE_VERSION = 1;
    /** The first bytes of every saved state, so that a foreign blob is recognised as such. */
    private static final byte[] MAGIC = {'P', 'M', 'L', 'S'};
    /**
     * How many epochs' resumption PSKs are kept (Section 8.6), so that a PreSharedKey proposal can
     * name an epoch long past (the passive-client vectors do). They are inputs to later key
     * schedules, not message keys, and take 8 KiB at most with a 32-byte hash.
     */
    static final int RESUMPTION_PSK_EPOCHS = 256;

    /**
     * The previous epoch, kept so that application messages sent just before a Commit still
     * decrypt after it (the delivery service may deliver them after the Commit). Handshake
     * messages of a past epoch are never accepted. Dropped when the next Commit arrives.
     */
    record PastEpoch(GroupContext context, RatchetTree tree, Secret senderDataSecret, SecretTree secretTree) {
        PastEpoch copy() {
            return new PastEpoch(context, tree, senderDataSecret, secretTree.copy());
        }
    }

    /** A proposal received in this epoch, with who sent it (Section 12.4: committed by reference). */
    record CachedProposal(Proposal proposal, Sender sender) {
    }

    GroupContext context;
    RatchetTree tree;
    byte[] interimTranscriptHash;
    byte[] confirmationTag;
    EpochSecrets secrets;
    SecretTree secretTree;
    int myLeaf;
    TreePrivateKeys myKeys;
    SignaturePrivateKey signatureKey;
    /** ProposalRef to proposal, in arrival order. */
    LinkedHashMap<Bytes, CachedProposal> proposals = new LinkedHashMap<>();
    /** Leaf private keys of Update proposals this member sent in the epoch, by public key. */
    Map<HpkePublicKey, HpkePrivateKey> pendingUpdateKeys = new LinkedHashMap<>();
    /** resumption_psk by epoch, the most recent {@link #RESUMPTION_PSK_EPOCHS}. */
    LinkedHashMap<Long, byte[]> resumptionPsks = new LinkedHashMap<>();
    /** False once a Commit removed this member. */
    boolean active = true;
    /** The ReInit a Commit of this epoch applied (Section 11.2): the group is closed and awaits its successor. */
    Proposal.ReInit reInit;
    /** The previous epoch for late application messages, or null (a new group, a fresh joiner). */
    PastEpoch previous;

    CipherSuite suite() {
        return context.cipherSuite();
    }

    LeafNode myLeafNode() {
        return tree.leaf(myLeaf);
    }

    /** The group's required_capabilities extension, or null. */
    static RequiredCapabilities requiredCapabilities(java.util.List<Extension> groupExtensions) {
        Extension e = Extension.find(groupExtensions, ExtensionType.REQUIRED_CAPABILITIES);
        return e == null ? null : RequiredCapabilities.from(e);
    }

    /**
     * A copy to work on. The ratchet tree is shared, not copied: it is never changed in place,
     * because a Commit stages its changes on {@code tree.copy()} and installs that, so copying for
     * every message would cost O(n) for nothing. Everything else that processing changes is copied.
     */
    GroupState copy() {
        GroupState c = new GroupState();
        c.context = context;
        c.tree = tree;
        c.interimTranscriptHash = interimTranscriptHash.clone();
        c.confirmationTag = confirmationTag.clone();
        c.secrets = secrets;
        c.secretTree = secretTree.copy();
        c.myLeaf = myLeaf;
        c.myKeys = myKeys.copy();
        c.signatureKey = signatureKey;
        c.proposals = new LinkedHashMap<>(proposals);
        c.pendingUpdateKeys = new LinkedHashMap<>(pendingUpdateKeys);
        c.resumptionPsks = resumptionPsks;
        c.active = active;
        c.reInit = reInit;
        c.previous = previous == null ? null : previous.copy();
        return c;
    }

    /**
     * Records this epoch's resumption PSK and forgets the oldest beyond the window. The map is
     * replaced, not changed, so that {@link #copy()} can share it.
     */
    void rememberResumptionPsk() {
        resumptionPsks = new LinkedHashMap<>(resumptionPsks);
        resumptionPsks.put(context.epoch(), secrets.resumptionPsk().copyBytes());
        while (resumptionPsks.size() > RESUMPTION_PSK_EPOCHS) {
            resumptionPsks.remove(resumptionPsks.keySet().iterator().next());
        }
    }

    /**
     * Drops private keys of nodes that proposals blanked or truncated away (Section 7.4). A
     * non-blank node keeps its key until an UpdatePath replaces it, and TreeKEM then replaces
     * this member's keys along the committer's path itself.
     */
    void pruneKeys() {
        for (int node : myKeys.nodes()) {
            if (node != 2 * myLeaf && (node >= tree.nodeWidth() || tree.node(node) == null)) {
                myKeys.remove(node);
            }
        }
    }

    // --- saved state: magic, version byte, TLS-encoded fields, SHA-256 of all before it ---

    byte[] toBytes() {
        TlsWriter w = new TlsWriter(4096).writeFixed(MAGIC).writeUint8(STATE_VERSION);
        context.writeTo(w);
        w.writeOpaque(tree.encode());
        w.writeOpaque(interimTranscriptHash).writeOpaque(confirmationTag);
        secrets.writeState(w);
        secretTree.writeState(w);
        w.writeUint32(myLeaf);
        w.writeVector(new java.util.TreeSet<>(myKeys.nodes()), (v, n) -> v.writeUint32(n).writeOpaque(myKeys.get(n).bytes()));
        w.writeOpaque(signatureKey.bytes());
        w.writeVector(proposals.entrySet(), (v, e) -> {
            v.writeOpaque(e.getKey());
            e.getValue().sender().writeTo(v);
            e.getValue().proposal().writeTo(v);
        });
        w.writeVector(pendingUpdateKeys.entrySet(), (v, e) -> v.writeOpaque(e.getKey().bytes()).writeOpaque(e.getValue().bytes()));
        w.writeVector(resumptionPsks.entrySet(), (v, e) -> v.writeUint64(e.getKey()).writeOpaque(e.getValue()));
        w.writeUint8(active ? 1 : 0);
        w.writeOptional(reInit, (v, r) -> r.writeTo(v));
        w.writeOptional(previous, (v, p) -> {
            p.context().writeTo(v);
            v.writeOpaque(p.tree().encode());
            p.senderDataSecret().writeOpaque(v);
            p.secretTree().writeState(v);
        });
        byte[] body = w.toByteArray();
        byte[] out = Arrays.copyOf(body, body.length + 32);
        System.arraycopy(sha256(body), 0, out, body.length, 32);
        return out;
    }

    static GroupState fromBytes(byte[] bytes) {
        if (bytes.length < MAGIC.length + 1 + 32 || !Arrays.equals(MAGIC, Arrays.copyOf(bytes, MAGIC.length))) {
            throw new DecodeException("not a saved MLS group state (it does not start with the PMLS header)", 0);
        }
        int version = bytes[MAGIC.length] & 0xFF;
        if (version != STATE_VERSION) {
            throw new DecodeException("saved group state has format version " + version + ", this code reads "
                    + STATE_VERSION, MAGIC.length);
        }
        byte[] body = Arrays.copyOf(bytes, bytes.length - 32);
        if (!MessageDigest.isEqual(sha256(body), Arrays.copyOfRange(bytes, body.length, bytes.length))) {
            throw new DecodeException("saved group state is corrupted: its checksum does not match", body.length);
        }
        return TlsReader.decodeExactly(body, GroupState::read, "saved group state");
    }

    private static GroupState read(TlsReader r) {
        r.readFixed(MAGIC.length + 1, "header");
        GroupState s = new GroupState();
        s.context = GroupContext.decode(r);
        CipherSuite suite = s.context.cipherSuite();
        s.tree = RatchetTree.decode(suite, r.readOpaque());
        s.interimTranscriptHash = r.readOpaque();
        s.confirmationTag = r.readOpaque();
        s.secrets = EpochSecrets.readState(suite, r);
        s.secretTree = SecretTree.readState(suite, r);
        int at = r.position();
        long leaf = r.readUint32();
        if (leaf >= s.tree.leafCount()) {
            throw new DecodeException("saved own leaf index " + leaf + " is outside the tree", at);
        }
        s.myLeaf = (int) leaf;
        Map<Integer, HpkePrivateKey> keys = new LinkedHashMap<>();
        int width = TreeMath.nodeWidth(s.tree.leafCount());
        for (Map.Entry<Integer, byte[]> e : r.readVector(v -> Map.entry((int) v.readUint32(), v.readOpaque()))) {
            if (e.getKey() < 0 || e.getKey() >= width) {
                throw new DecodeException("saved private key for node " + e.getKey() + " outside the tree", at);
            }
            keys.put(e.getKey(), new HpkePrivateKey(e.getValue()));
        }
        HpkePrivateKey leafKey = keys.get(2 * s.myLeaf);
        if (leafKey == null) {
            throw new DecodeException("saved state has no private key for its own leaf", at);
        }
        s.myKeys = new TreePrivateKeys(s.myLeaf, leafKey);
        keys.forEach(s.myKeys::put);
        s.signatureKey = new SignaturePrivateKey(r.readOpaque());
        r.readVector(v -> s.proposals.put(v.readOpaqueBytes(), readCachedProposal(v)));
        r.readVector(v -> s.pendingUpdateKeys.put(new HpkePublicKey(v.readOpaque()), new HpkePrivateKey(v.readOpaque())));
        int pskAt = r.position();
        r.readVector(v -> s.resumptionPsks.put(v.readUint64(), v.readOpaque()));
        if (s.resumptionPsks.size() > RESUMPTION_PSK_EPOCHS) {
            throw new DecodeException("saved state holds " + s.resumptionPsks.size() + " resumption PSKs, more than "
                    + RESUMPTION_PSK_EPOCHS, pskAt);
        }
        int activeAt = r.position();
        int active = r.readUint8();
        if (active > 1) {
            throw new DecodeException("saved active flag is " + active + ", not 0 or 1", activeAt);
        }
        s.active = active == 1;
        int reInitAt = r.position();
        Proposal saved = r.readOptional(Proposal::decode);
        if (saved != null && !(saved instanceof Proposal.ReInit)) {
            throw new DecodeException("saved ReInit is a proposal of type " + saved.proposalType(), reInitAt);
        }
        s.reInit = (Proposal.ReInit) saved;
        s.previous = r.readOptional(v -> {
            GroupContext context = GroupContext.decode(v);
            RatchetTree tree = RatchetTree.decode(context.cipherSuite(), v.readOpaque());
            return new PastEpoch(context, tree, Secret.readOpaque(v), SecretTree.readState(context.cipherSuite(), v));
        });
        return s;
    }

    private static CachedProposal readCachedProposal(TlsReader r) {
        Sender sender = Sender.read(r);
        return new CachedProposal(Proposal.decode(r), sender);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "GroupState[" + context + ", leaf " + myLeaf + (active ? "" : ", removed") + ", secrets redacted]";
    }
}
